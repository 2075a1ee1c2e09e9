"""The plate reader with the real PP-OCRv6 model: rendered plates, real crops, the CLI."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.perception.models import ModelRegistry
from edge.perception.plate.finder import PlateFinder
from edge.perception.plate.reader import PlateReader, split_lines
from edge.perception.plate.render import paste, render_plate

RENDERED = [
    (["63A-123.45"], "63A12345"),
    (["51G-1234"], "51G1234"),
    (["30LD-012.34"], "30LD01234"),
    (["59-D2", "064.28"], "59D206428"),
    (["54-T1", "5417"], "54T15417"),
    (["29-MD1", "013.53"], "29MD101353"),
    (["60M", "896.51"], "60M89651"),
]


@pytest.fixture(scope="module")
def finder(registry: ModelRegistry) -> PlateFinder:
    return PlateFinder.from_registry(registry)


@pytest.mark.parametrize(("lines", "norm"), RENDERED, ids=[n for _, n in RENDERED])
def test_rendered_plate_reads_exactly(finder: PlateFinder, lines: list[str], norm: str) -> None:
    crop = render_plate(lines, 96)
    read = finder.reader.read(crop)
    assert read.norm == norm, (
        f"rendered {lines} read as {read.norm!r} (raw {read.raw}, {read.reason})"
    )
    assert read.lines == len(lines)
    assert 0.5 <= read.confidence <= 1.0


def test_blank_plate_is_unread_with_a_reason(finder: PlateFinder) -> None:
    blank = np.full((90, 120, 3), 235, np.uint8)
    read = finder.reader.read(blank)
    assert read.norm is None and read.text is None
    assert read.reason, "an unread plate must say why"


def test_junk_text_is_never_presented_as_a_plate(finder: PlateFinder) -> None:
    read = finder.reader.read(render_plate(["HELLO", "WORLD"], 96))
    assert read.norm is None, f"non-plate text came back as plate {read.text!r}"


def test_split_lines_cuts_in_the_gap_between_lines() -> None:
    crop = render_plate(["59-D2", "064.28"], 120)
    top, bottom = split_lines(crop)
    overlap = top.shape[0] + bottom.shape[0] - crop.shape[0]
    cut = top.shape[0] - overlap // 2
    row = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)[cut, 10:-10]
    assert row.min() > 150, f"cut at row {cut} goes through the characters"
    assert 0.3 < cut / crop.shape[0] < 0.7


def test_plates_are_found_and_read_in_a_scene(finder: PlateFinder) -> None:
    scene = np.full((480, 720, 3), 95, np.uint8)
    paste(scene, render_plate(["51G-123.45"], 44), 80, 320)
    paste(scene, render_plate(["59-D2", "064.28"], 70), 480, 300)
    found = sorted(p.read.norm or "" for p in finder.find(scene))
    assert found == ["51G12345", "59D206428"], found


@pytest.mark.slow
def test_real_crops_meet_the_accuracy_targets(finder: PlateFinder, plates_csv: Path) -> None:
    """≥ 97 % exact on norm overall and ≥ 96 % on two-line motorbike plates."""
    rows = list(csv.DictReader(plates_csv.open(encoding="utf-8")))
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    wrong = []
    for row in rows:
        image = cv2.imread(str(plates_csv.parent / "images" / row["file"]))
        assert image is not None, row["file"]
        read = finder.read_crop(image)
        group = f"{row['kind']}-{row['lines']}"
        total[group] += 1
        if read.norm == row["norm"]:
            right[group] += 1
        else:
            wrong.append(f"{row['file']}: {row['norm']} read as {read.norm} (raw {read.raw})")
    overall = sum(right.values()) / len(rows)
    moto = right["motorbike-2"] / total["motorbike-2"]
    detail = "\n".join(wrong)
    assert overall >= 0.97, f"overall {overall:.3f} below 0.97; misread:\n{detail}"
    assert moto >= 0.96, f"two-line motorbike {moto:.3f} below 0.96; misread:\n{detail}"


def test_read_plate_cli_prints_json_for_crops(tmp_path: Path) -> None:
    image = tmp_path / "plate.png"
    cv2.imwrite(str(image), render_plate(["59-D2", "064.28"], 96))
    missing = tmp_path / "missing.jpg"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "edge.commands.main",
            "read-plate",
            "--crop",
            "--json",
            str(image),
            str(missing),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1, "a missing image must make the command fail"
    assert "missing.jpg: cannot read" in out.stderr
    result = json.loads(out.stdout)
    assert result[0]["plates"][0]["norm"] == "59D206428"
    assert result[0]["plates"][0]["text"] == "59-D2 064.28"
    assert set(result[0]["plates"][0]) >= {"text", "norm", "confidence", "box"}
    assert result[1] == {"image": str(missing), "error": "cannot read image", "plates": []}


def test_reader_accepts_any_line_recognizer(registry: ModelRegistry) -> None:
    """The back-end interface: a recogniser is anything with name and recognize()."""
    from edge.perception.plate.recognizer import LineText

    class Fixed:
        name = "fixed"

        def recognize(self, lines_bgr: Sequence[np.ndarray]) -> list[LineText]:
            return [LineText("59-D2", 0.99), LineText("064.28", 0.99)][: len(lines_bgr)]

    read = PlateReader(Fixed()).read(render_plate(["x", "y"], 90))
    assert read.norm == "59D206428" and read.text == "59-D2 064.28"
