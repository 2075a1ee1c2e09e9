"""Evidence an officer can check by eye, in a real browser (Debian's chromium) on a real bundle:
the first red-light runner of the public vn_a clip, replayed by `dendo-edge replay` with clips
on, signed, ingested and served by `dendo-central web`. The page must draw the stop line, the
direction and the offender's box and path over the frames while serving the signed JPEGs byte
for byte; every picture zooms and closes with Escape; the clip steps frame by frame; the signal
is shown before, at and after the crossing; the time into red reads as a lower bound (red was
on when vn_a's recording began). The demo scene's bundles (plates read) check the plate: shown
at least 3x and boxed on the crossing frame. Screenshots go to out/screenshots/."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from central.notice_images import road_user_box
from common.vi_number import vi_number
from edge.commands.main import main as dendo_edge
from tests.fixtures.browser import (
    PASSWORDS,
    USERS,
    DemoBundles,
    WebServer,
    make_web_env,
    screenshot,
    start_web_server,
    stop_web_server,
)

END_S = 2.6  # vn_a's first runner crosses at frame 57 (1.9 s) and is decided by 2.3 s


@pytest.fixture(scope="module")
def vn_a_bundle(media_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> DemoBundles:
    """The first 2.6 s of vn_a replayed with clips on: one violation, one signed bundle."""
    tmp = tmp_path_factory.mktemp("vn_a")
    truth = json.loads((media_dir / "vn_a.json").read_text())
    cal = truth["calibration"]
    camera = {
        "id": "MT-07",
        "name": "Ấp Bắc – Nguyễn Trãi, approach from the west",
        "location": {"lat": 10.36, "lon": 106.356},
        "box": "EB-02",
        "source": str(media_dir / "vn_a.mp4"),
        "frame_size": [truth["width"], truth["height"]],
        "stop_line": cal["stop_line"],
        "direction": cal["direction"],
        "signal": {"source": "vision", "heads": cal["signal_heads"]},
        "evidence": {"clip": True, "clip_seconds": 4.0},
    }
    config = tmp / "vn_a.yaml"
    config.write_text(yaml.safe_dump({"cameras": [camera]}, allow_unicode=True))
    out = tmp / "out"
    argv = [
        "replay", str(media_dir / "vn_a.mp4"), "--config", str(config), "--camera", "MT-07",
        "--out", str(out), "--end", str(END_S), "--start-time", "2026-11-20T08:00:00Z", "--quiet",
    ]  # fmt: skip
    assert dendo_edge(argv) == 0
    zips = sorted(out.glob("*.zip"))
    assert len(zips) == 1, f"expected vn_a's first runner alone, got {[z.name for z in zips]}"
    return DemoBundles([zips[0].read_bytes()], out / "replay.pub.pem", {"violations": []})


@pytest.fixture
def vn_a_server(tmp_path: Path, vn_a_bundle: DemoBundles) -> Any:
    env = make_web_env(tmp_path, vn_a_bundle)
    server = start_web_server(env)
    yield server
    stop_web_server(server)
    env.close()


def signed_in_page(browser: Any, server: WebServer, errors: list[str]) -> Any:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", USERS["officer"])
    page.fill("input[name=password]", PASSWORDS["officer"])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/review"), page.url
    page.wait_for_function(
        "Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
    )
    return page


def member(bundle: bytes, name: str) -> bytes:
    import io

    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        return z.read(name)


def cross_t(manifest: dict[str, Any]) -> float:
    return float(next(b for b in manifest["frame_boxes"] if b["role"] == "frame_cross")["t"])


def on_screen(page: Any, selector: str) -> dict[str, float]:
    """The client rectangle of the first element matching `selector`."""
    rect = page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " return {x: r.x, y: r.y, w: r.width, h: r.height}; }"
    )
    return {k: float(v) for k, v in rect.items()}


def test_an_officer_checks_a_real_crossing_by_eye(
    browser: Any, vn_a_server: WebServer, vn_a_bundle: DemoBundles
) -> None:
    errors: list[str] = []
    page = signed_in_page(browser, vn_a_server, errors)
    bundle = vn_a_bundle.bundles[0]
    manifest = json.loads(member(bundle, "manifest.json"))

    # The overlay on every frame: the stop line, the direction, the box; the path on the frames.
    frames = page.locator(".frames svg.overlay")
    assert frames.count() == 3
    for selector in ("polyline.mk-stop", ".mk-dir polygon", "rect.offender"):
        assert page.locator(f".frames svg.overlay {selector}").count() == 3, selector
    assert page.locator(".frames .key svg.overlay polyline.mk-before").count() == 1
    assert page.locator(".frames .key svg.overlay polyline.mk-after").count() == 1
    assert page.locator(".frames .key svg.overlay circle.mk-cross").count() == 1

    # Drawn where the manifest says, in the picture's own pixels: the line at vn_a's paint.
    image = on_screen(page, ".frames .key img")
    natural = page.locator(".frames .key img").evaluate("i => [i.naturalWidth, i.naturalHeight]")
    scale = image["w"] / natural[0]
    line = on_screen(page, ".frames .key polyline.mk-stop")
    (x1, y1), (x2, y2) = manifest["geometry"]["stop_line"]
    assert abs(line["x"] - (image["x"] + x1 * scale)) < 3 and abs(line["w"] - (x2 - x1) * scale) < 3
    assert abs(line["y"] - (image["y"] + min(y1, y2) * scale)) < 3, (line, image)
    box = on_screen(page, ".frames .key rect.offender")
    entry = next(b for b in manifest["frame_boxes"] if b["role"] == "frame_cross")
    assert entry["rider"] is not None, "vn_a's violator is a motorbike seen with its rider"
    cross = road_user_box(entry)  # the machine's box with the rider's
    assert cross is not None
    assert abs(box["x"] - (image["x"] + cross[0] * scale)) < 3, (box, cross)
    assert abs(box["y"] - (image["y"] + cross[1] * scale)) < 3, (box, cross)
    assert abs(box["h"] - (cross[3] - cross[1]) * scale) < 3, (box, cross)
    assert cross[3] == entry["box"][3], "the drawn box does not stand on the machine's wheels"

    # The pictures served are the signed ones, byte for byte: nothing is burned in.
    sources = page.locator("img[src^='/evidence/']").evaluate_all("l => l.map(i => i.src)")
    served = {hashlib.sha256(page.request.get(src).body()).hexdigest() for src in sources}
    signed = {f["sha256"] for f in manifest["files"] if f["content_type"] == "image/jpeg"}
    assert served == signed and len(sources) == 6, "a picture shown is not a signed original"
    cross_src = str(page.locator(".frames .key img").get_attribute("src"))
    assert page.request.get(vn_a_server.url + cross_src).body() == member(bundle, "frame_cross.jpg")

    # The signal before, at and after the crossing; red on as the recording began: a bound.
    assert page.locator(".signals img").count() == 3
    assert page.locator(".crop.signal_crop img").count() == 1
    assert "ít nhất" in page.inner_text(".badges .into-red")
    assert "Đèn đỏ đã bật khi bắt đầu ghi hình: ít nhất" in page.inner_text("tr.into-red")

    # Zoom: a click opens the crossing frame with its overlay; + zooms; Escape closes.
    page.click(".frames .key .shot")
    dialog = page.locator("dialog.zoom")
    assert dialog.evaluate("d => d.open"), "the zoom view did not open"
    assert dialog.locator(".zoom-stage svg.overlay polyline.mk-stop").count() == 1
    before = float(dialog.get_attribute("data-scale") or 0)
    page.keyboard.press("+")
    assert float(dialog.get_attribute("data-scale") or 0) > before * 1.4
    page.keyboard.press("c")  # the review shortcut must not fire from inside the zoom view
    assert "/review" in page.url and page.locator(".flash").count() == 0
    screenshot(page, "evidence_zoom")
    page.keyboard.press("Escape")
    assert not dialog.evaluate("d => d.open"), "Escape did not close the zoom view"
    page.click(".crop.signal_crop_before a")
    assert dialog.evaluate("d => d.open") and dialog.locator(".zoom-stage img").count() == 1
    page.keyboard.press("Escape")
    assert not dialog.evaluate("d => d.open")

    # The clip steps one frame at a time, at its own rate, and says which moment it shows.
    page.wait_for_function(
        "(() => { const v = document.querySelector('figure.clip video');"
        " return v && v.readyState >= 1 && v.duration > 1; })()",
        timeout=15000,
    )
    video = page.locator("figure.clip video")
    fps, clip_start = manifest["clip"]["fps"], manifest["clip"]["start_t"]
    crossing = round((cross_t(manifest) - clip_start) * fps)  # the clip opens there

    def offset(frame: int) -> str:
        """The readout's time from the crossing of a clip frame, as Vietnamese writes it."""
        text = vi_number(clip_start + frame / fps - cross_t(manifest), 3, sign=True)
        return text.replace("-", "−").replace("+0,000", "0,000").replace("−0,000", "0,000")

    page.wait_for_function(f"document.querySelector('figure.clip').dataset.frame === '{crossing}'")
    assert page.inner_text(".step-readout [data-field=rel]") == offset(crossing)
    assert page.locator(".clip-overlay rect.offender").get_attribute("visibility") == "visible"
    start = video.evaluate("v => v.currentTime")
    page.keyboard.press(".")
    page.keyboard.press(".")
    stepped = video.evaluate("v => v.currentTime")
    assert abs(stepped - start - 2 / fps) < 0.6 / fps, (start, stepped)
    assert page.inner_text(".step-readout [data-field=frame]") == str(crossing + 3)
    assert page.inner_text(".step-readout [data-field=rel]") == offset(crossing + 2)
    page.click("button[data-step='-1']")
    assert video.evaluate("v => v.currentTime") < stepped
    assert page.inner_text(".step-readout [data-field=frame]") == str(crossing + 2)
    assert page.locator(".clip-overlay polyline.mk-stop").count() == 1
    page.wait_for_function(  # no loading spinner over the frame in the screenshot
        "(() => { const v = document.querySelector('figure.clip video');"
        " return !v.seeking && v.readyState >= 3; })()"
    )
    page.wait_for_timeout(300)
    page.locator(".frames").scroll_into_view_if_needed()
    path = screenshot(page, "evidence_vn_a")
    assert path.stat().st_size > 100_000
    page.goto(f"{vn_a_server.url}/cases")  # the list says it too
    assert "ít nhất" in page.inner_text("table.list"), "the list states a lower bound as fact"
    assert not errors, f"browser console errors (a CSP refusal shows here): {errors}"
    page.context.close()


def test_the_plate_is_shown_large_and_boxed_on_the_crossing_frame(
    browser: Any, web_server: WebServer
) -> None:
    errors: list[str] = []
    page = signed_in_page(browser, web_server, errors)
    plate = page.locator(".crop.plate_crop img")
    assert plate.count() == 1
    shown, natural = plate.evaluate("i => [i.getBoundingClientRect().width, i.naturalWidth]")
    assert shown >= 3 * natural - 0.5, f"plate crop {natural} px wide shown at {shown} px"
    assert page.locator(".frames .key svg.overlay rect.plate").count() == 1
    assert page.locator(".frames svg.overlay rect.offender").count() == 3
    page.locator(".facts-row").scroll_into_view_if_needed()
    screenshot(page, "evidence_plate")
    assert not errors, f"browser console errors: {errors}"
    page.context.close()
