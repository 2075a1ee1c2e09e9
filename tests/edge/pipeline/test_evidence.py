"""Edge evidence: data bar, JPEG encoding, the per-camera chain, EvidenceWriter's bundles, and
the keygen/verify commands, all checked through the same open_bundle the collector uses."""

from __future__ import annotations

import argparse
import io
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from common.bundle import open_bundle
from common.chain import ChainError, SequenceChain
from common.signing import Ed25519PublicKey, generate_keypair, key_id, load_public_key
from edge.commands.evidence import add_cli
from edge.pipeline.data_bar import BAR_BG, ascii_safe, burn_data_bar, decimal
from edge.pipeline.evidence import EvidenceFrames, EvidenceWriter, ViolationRecord, encode_jpeg

CROSSED = datetime(2026, 11, 22, 7, 15, 3, 120_000, tzinfo=UTC)
SITE = "Ấp Bắc – Nguyễn Trãi, approach from the west"


def record(camera_id: str = "MT-07", **override: Any) -> ViolationRecord:
    base = ViolationRecord(
        camera_id=camera_id,
        site_name=SITE,
        lat=10.36,
        lon=106.356,
        track_id=17,
        vehicle_class="car",
        cross_frame=120,
        crossed_at=CROSSED,
        red_since=CROSSED - timedelta(seconds=2.345),
        seconds_into_red=2.345,
        signal_state="red",
        signal_source="vision",
        config_hash="c" * 64,
        decision={"rule": "crossed on red", "continued_px": np.float32(41.5), "frames": 6},
        plate={
            "text": "63A-123.45",
            "norm": "63A12345",
            "confidence": 0.91,
            "lines": ["63A-123.45"],
        },
        plate_reason=None,
        frame_boxes=[
            {"role": "frame_before", "frame_index": 110, "t": 4.4, "box": np.array([5, 6, 90, 99])},
            {"role": "frame_cross", "frame_index": 120, "t": 4.8, "box": (8, 30, 95, 120)},
            {"role": "frame_after", "frame_index": 130, "t": 5.2, "box": [9, 60, 97, 150]},
        ],
        signal_debounce_frames=3,
    )
    return replace(base, **override)


def scene(seed: int, shape: tuple[int, int] = (360, 640)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.full((*shape, 3), 90, np.uint8)
    cv2.rectangle(image, (200, 150), (320, 260), (40, 40, 200), -1)
    return cv2.add(image, rng.integers(0, 30, image.shape, dtype=np.uint8))


def frames(clip: bytes | None = b"\x1a\x45\xdf\xa3 webm bytes") -> EvidenceFrames:
    return EvidenceFrames(
        before=(110, 4.4, scene(1)),
        cross=(120, 4.8, scene(2)),
        after=(130, 5.2, scene(3)),
        plate_crop=scene(4, (40, 120)),
        signal_crop=scene(5, (110, 40)),
        clip=clip,
    )


@pytest.fixture()
def keypair(tmp_path: Path) -> tuple[Path, Path]:
    return generate_keypair(tmp_path / "keys", "EB-01")


def writer(tmp_path: Path, keypair: tuple[Path, Path]) -> EvidenceWriter:
    return EvidenceWriter(
        keypair[0],
        tmp_path / "state",
        tmp_path / "out",
        software_version="0.1.0",
        model_hashes={"yolov8n": "d" * 64},
        edge_box="EB-01",
        jpeg_quality=90,
    )


def keys(keypair: tuple[Path, Path]) -> dict[str, Ed25519PublicKey]:
    public = load_public_key(keypair[1])
    return {key_id(public): public}


# --- pictures --------------------------------------------------------------------------------


def test_ascii_safe_folds_vietnamese() -> None:
    assert ascii_safe("Ấp Bắc – Nguyễn Trãi, Đồng Tháp") == "Ap Bac - Nguyen Trai, Dong Thap"
    assert ascii_safe("tab\there 中") == "tab here ?"


def test_data_bar_is_drawn_below_the_untouched_frame() -> None:
    image = scene(7)
    before = image.copy()
    facts = {"UTC": "2026-11-22 07:15:03.120", "Site": SITE, "Signal at crossing": "RED"}
    out = burn_data_bar(image, facts)
    assert np.array_equal(image, before)  # the input is not modified
    assert out.shape[1] == image.shape[1] and out.shape[0] > image.shape[0]
    assert np.array_equal(out[: image.shape[0]], image)  # no scene pixel covered
    bar = out[image.shape[0] :]
    assert (bar == BAR_BG).all(axis=2).mean() > 0.7  # mostly dark background
    assert (bar.min(axis=2) > 200).sum() > 100  # white text is there
    assert not np.array_equal(bar, np.broadcast_to(np.array(BAR_BG, np.uint8), bar.shape))


def test_data_bar_wraps_long_facts_and_takes_gray() -> None:
    narrow = burn_data_bar(np.zeros((50, 160), np.uint8), [("Site", SITE * 3), ("Cam", "MT-07")])
    wide = burn_data_bar(np.zeros((50, 1600, 3), np.uint8), [("Site", SITE), ("Cam", "MT-07")])
    assert narrow.ndim == 3 and narrow.shape[0] - 50 > 3 * (wide.shape[0] - 50) / 2


def test_encode_jpeg_is_deterministic() -> None:
    image = scene(9)
    first = encode_jpeg(image, 85)
    assert first == encode_jpeg(image.copy(), 85) and first[:2] == b"\xff\xd8"
    decoded = cv2.imdecode(np.frombuffer(first, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None and decoded.shape == image.shape
    with pytest.raises(ValueError):
        encode_jpeg(image, 0)
    with pytest.raises(ValueError):
        encode_jpeg(image.astype(np.float32), 90)


# --- chain -----------------------------------------------------------------------------------


def test_chain_survives_restarts_and_crashes(tmp_path: Path) -> None:
    chain = SequenceChain(tmp_path, "MT-07")
    assert chain.next() == (1, None)
    chain.commit(1, "a" * 64)
    assert SequenceChain(tmp_path, "MT-07").next() == (2, "a" * 64)
    # crash: 2 was reserved, never committed; a restarted worker must not reuse it
    restarted = SequenceChain(tmp_path, "MT-07")
    assert restarted.next() == (3, "a" * 64)
    restarted.commit(3, "b" * 64)
    with pytest.raises(ChainError):
        restarted.commit(3, "c" * 64)  # a committed number is never committed twice
    assert restarted.next() == (4, "b" * 64)
    assert SequenceChain(tmp_path, "MT-08").next() == (1, None)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "MT-07.chain.json",
        "MT-08.chain.json",
    ]


def test_corrupt_chain_state_is_an_error_not_a_restart(tmp_path: Path) -> None:
    (tmp_path / "MT-07.chain.json").write_text('{"sequence": 5')
    with pytest.raises(ChainError, match="corrupt"):
        SequenceChain(tmp_path, "MT-07").next()
    with pytest.raises(ValueError):
        SequenceChain(tmp_path, "../etc")


# --- writer ----------------------------------------------------------------------------------


def test_writer_bundle_verifies(tmp_path: Path, keypair: tuple[Path, Path]) -> None:
    path = writer(tmp_path, keypair).write(record(), frames())
    assert path.parent == tmp_path / "out"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left
    opened = open_bundle(path.read_bytes(), keys(keypair))
    m = opened.manifest
    assert path.name == f"MT-07_000001_{m.violation_id}.zip"
    assert (m.sequence, m.prev_sha256, m.camera_id, m.edge.box) == (1, None, "MT-07", "EB-01")
    assert m.site.name == SITE and m.crossed_at == "2026-11-22T07:15:03.120Z"
    assert m.red_since == "2026-11-22T07:15:00.775Z" and m.seconds_into_red == 2.345
    assert m.signal.debounce_frames == 3 and m.plate and m.plate.norm == "63A12345"
    assert m.decision["continued_px"] == 41.5 and m.frame_boxes[0].box == (5, 6, 90, 99)
    assert m.model_hashes == {"yolov8n": "d" * 64} and m.software.version == "0.1.0"
    assert sorted(opened.files) == [
        "clip.webm",
        "frame_after.jpg",
        "frame_before.jpg",
        "frame_cross.jpg",
        "plate_crop.jpg",
        "signal_crop.jpg",
    ]
    cross = cv2.imdecode(np.frombuffer(opened.files["frame_cross.jpg"], np.uint8), 1)
    assert cross is not None
    assert cross.shape[1] == 640 and cross.shape[0] > 360  # the data bar below the scene
    smooth = [cv2.blur(img, (9, 9)).astype(int) for img in (cross[:360], scene(2))]
    assert np.abs(smooth[0] - smooth[1]).mean() < 3  # the scene is intact (up to JPEG loss)
    plate = cv2.imdecode(np.frombuffer(opened.files["plate_crop.jpg"], np.uint8), 1)
    assert plate is not None
    assert plate.shape == (40, 120, 3)  # crops are raw, no bar


def test_chain_across_writer_instances(tmp_path: Path, keypair: tuple[Path, Path]) -> None:
    first = writer(tmp_path, keypair).write(record(), frames(clip=None))
    second = writer(tmp_path, keypair).write(record(track_id=18), frames(clip=None))
    other = writer(tmp_path, keypair).write(record("MT-08"), frames(clip=None))
    a, b, c = (open_bundle(p.read_bytes(), keys(keypair)) for p in (first, second, other))
    assert (a.manifest.sequence, b.manifest.sequence) == (1, 2)
    assert b.manifest.prev_sha256 == a.manifest_sha256
    assert (c.manifest.sequence, c.manifest.prev_sha256) == (1, None)
    assert second.name.startswith("MT-07_000002_") and "clip.webm" not in b.files


def test_writer_unread_plate(tmp_path: Path, keypair: tuple[Path, Path]) -> None:
    unread = record(plate=None, plate_reason="no plate found in the vehicle box")
    bare = replace(frames(clip=None), plate_crop=None, signal_crop=None)
    path = writer(tmp_path, keypair).write(unread, bare)
    m = open_bundle(path.read_bytes(), keys(keypair)).manifest
    assert m.plate is None and m.plate_reason and len(m.files) == 3


def test_writer_signs_three_signal_crops_and_the_overlay_facts(
    tmp_path: Path, keypair: tuple[Path, Path]
) -> None:
    """The heads before, at and after the crossing, and what the page draws over the frames;
    the frames themselves carry no overlay (the same pixels as without the facts)."""
    facts: dict[str, Any] = {
        "geometry": {"frame_size": [640, 360], "stop_line": [[10, 300], [630, 290]],
                     "direction": [0.0, -1.0]},
        "track": [{"frame_index": 110, "t": 4.4, "box": [5, 6, 90, 99]},
                  {"frame_index": 130, "t": 5.2, "box": [9, 60, 97, 150]}],
        "plate_box": {"frame_index": 118, "box": [30, 80, 60, 95], "at_cross": [31, 100, 61, 115]},
        "clip": {"start_t": 2.0, "fps": 10.0, "frames": 60},
    }  # fmt: skip
    three = replace(frames(), signal_crop_before=scene(6, (110, 40)),
                    signal_crop_after=scene(7, (110, 40)))  # fmt: skip
    first = writer(tmp_path / "a", keypair).write(record(**facts), three)
    plain = writer(tmp_path / "b", keypair).write(record(), three)
    opened = open_bundle(first.read_bytes(), keys(keypair))
    m = opened.manifest
    roles = [f.role.value for f in m.files]
    assert roles == ["frame_before", "frame_cross", "frame_after", "plate_crop",
                     "signal_crop_before", "signal_crop", "signal_crop_after", "clip"]  # fmt: skip
    assert m.geometry and m.geometry.stop_line == [(10, 300), (630, 290)]
    assert m.track and [p.frame_index for p in m.track] == [110, 130]
    assert m.plate_box and m.plate_box.at_cross == (31, 100, 61, 115)
    assert m.clip and m.clip.frames == 60
    without = open_bundle(plain.read_bytes(), keys(keypair))
    assert without.manifest.geometry is None and without.manifest.track is None
    for name in ("frame_before.jpg", "frame_cross.jpg", "frame_after.jpg"):
        assert opened.files[name] == without.files[name], f"{name}: an overlay was burned in"


def test_facts_tell_frame_time_and_local_time_in_vietnamese(
    tmp_path: Path, keypair: tuple[Path, Path]
) -> None:
    facts = dict(writer(tmp_path, keypair).facts(record(), "before", 110, 4.4, 4.8))
    assert facts["Giờ UTC"] == "22/11/2026 07:15:02,720"
    assert facts["Giờ Việt Nam"] == "22/11/2026 14:15:02,720 (UTC+07)"
    assert facts["Ảnh"] == "TRƯỚC KHI VƯỢT, khung 110 (−0,400 s so với lúc vượt vạch)"
    assert facts["Đèn lúc vượt vạch"] == "ĐỎ (camera đọc đèn tín hiệu)"
    assert facts["Đèn đỏ từ"] == "07:15:00,775 UTC"
    assert facts["Thời gian đèn đỏ lúc vượt"] == "2,345 s"
    assert facts["Tọa độ"] == "10,36000° B, 106,35600° Đ"
    assert facts["Phương tiện"] == "ô tô, vệt theo dõi 17"


def test_time_into_red_is_a_lower_bound_when_red_was_on_as_the_recording_began(
    tmp_path: Path, keypair: tuple[Path, Path]
) -> None:
    began = record(decision={"signal_at_cross": {"state": "red", "began_before_stream": True}})
    facts = dict(writer(tmp_path, keypair).facts(began, "cross", 120, 4.8, 4.8))
    into = facts["Thời gian đèn đỏ lúc vượt"]
    assert into == "ít nhất 2,345 s (đèn đã đỏ khi bắt đầu ghi hình)", into
    assert facts["Ảnh"] == "LÚC VƯỢT VẠCH, khung 120 (đúng lúc vượt vạch)"


def test_the_bar_says_when_red_was_held_across_a_lamp_unseen_for_a_moment(
    tmp_path: Path, keypair: tuple[Path, Path]
) -> None:
    bridged = record(decision={"signal_at_cross": {"state": "red", "unseen_s": 0.832}})
    facts = dict(writer(tmp_path, keypair).facts(bridged, "cross", 120, 4.8, 4.8))
    lamp = facts["Đèn lúc vượt vạch"]
    assert lamp == "ĐỎ (camera đọc đèn tín hiệu; đèn không nhìn rõ 0,83 s giữa hai lần đỏ)", lamp


@pytest.mark.parametrize(
    ("value", "places", "sign", "text"),
    [
        (2.345, 3, False, "2,345"),
        (-0.4, 3, True, "−0,400"),
        (0.4, 3, True, "+0,400"),
        (10000000, 0, False, "10.000.000"),
        (1234.5, 1, False, "1.234,5"),
    ],
)  # fmt: skip
def test_numbers_are_written_the_vietnamese_way(
    value: float, places: int, sign: bool, text: str
) -> None:
    assert decimal(value, places, sign) == text


def test_the_bar_draws_vietnamese_letters_with_their_diacritics() -> None:
    """DejaVu Sans has every Vietnamese letter: the bar for 'Ấp Bắc' is not the one for
    'Ap Bac' (the ASCII fold), and a letter with two marks is taller than without."""
    frame = np.zeros((40, 400, 3), np.uint8)
    marked = burn_data_bar(frame, [("Địa điểm", "Ấp Bắc – Nguyễn Trãi")])
    folded = burn_data_bar(frame, [("Dia diem", "Ap Bac - Nguyen Trai")])
    assert marked.shape == folded.shape and not np.array_equal(marked, folded)
    rows = lambda img: np.flatnonzero((img[40:].min(axis=2) > 128).any(axis=1))  # noqa: E731
    assert rows(marked)[0] < rows(folded)[0], "the marks above the capitals are drawn"


# --- command line ----------------------------------------------------------------------------


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dendo-edge")
    add_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_keygen_and_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["keygen", "--out", str(tmp_path / "k"), "--name", "EB-02"]) == 0
    out = capsys.readouterr().out
    public = tmp_path / "k" / "EB-02.pub.pem"
    assert f"key_id {key_id(load_public_key(public))}" in out
    assert run(["keygen", "--out", str(tmp_path / "k"), "--name", "EB-02"]) == 2  # no overwrite

    private = tmp_path / "k" / "EB-02.key.pem"
    w = EvidenceWriter(
        private, tmp_path / "s", tmp_path / "o", "0.1.0", {}, "EB-02", jpeg_quality=90
    )
    path = w.write(record(), frames())
    capsys.readouterr()
    assert run(["verify", str(path), "--pubkey", str(public)]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("OK") and "MT-07" in out and "63A-123.45" in out

    with zipfile.ZipFile(path) as zf:
        items = [(i, zf.read(i)) for i in zf.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for info, data in items:
            zf.writestr(info, data[:-1] + b"\x00" if info.filename == "frame_cross.jpg" else data)
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(buf.getvalue())
    assert run(["verify", str(tampered), "--pubkey", str(public)]) == 1
    assert "REJECTED hash_mismatch: frame_cross.jpg" in capsys.readouterr().out

    _, other_public = generate_keypair(tmp_path / "k", "EB-03")
    assert run(["verify", str(path), "--pubkey", str(other_public)]) == 1
    assert "REJECTED unknown_key" in capsys.readouterr().out
    assert run(["verify", str(tmp_path / "absent.zip"), "--pubkey", str(public)]) == 2
    assert run(["verify", str(path), "--pubkey", str(private)]) == 2  # a private key file
    assert "verify:" in capsys.readouterr().err


def test_the_manifest_names_each_models_engine_and_precision_as_run(
    tmp_path: Path, keypair: tuple[Path, Path]
) -> None:
    from common.config.city import load_config
    from edge.perception.onnx_session import precision_of
    from edge.pipeline.assembly import models_as_run
    from tests.paths import SHIPPED_CAMERAS

    camera = load_config(SHIPPED_CAMERAS).cameras[0]
    run = models_as_run(camera)
    assert set(run) == {"vehicles", "plates", "text_rec"}, run
    from edge.perception.openvino_session import forced_precision

    float_here = precision_of("openvino")  # bf16 where the CPU has it, unless turned off
    auto = "f32" if forced_precision() == "f32" else "bf16" if float_here == "bf16" else "int8"
    assert run["vehicles"] == {"engine": "openvino", "precision": auto}, (
        "the shipped config's detector (precision auto): bf16 where it runs, else int8"
    )
    assert run["plates"] == {"engine": "openvino", "precision": precision_of("openvino")}
    assert precision_of("onnxruntime") == "f32"
    w = writer(tmp_path, keypair)
    w.models_run = run
    m = open_bundle(w.write(record(), frames()).read_bytes(), keys(keypair)).manifest
    assert m.models is not None and {k: v.model_dump() for k, v in m.models.items()} == run
    bare = open_bundle(writer(tmp_path / "b", keypair).write(record(), frames()).read_bytes(),
                       keys(keypair)).manifest  # fmt: skip
    assert bare.models is None, "a writer told nothing names no models"
