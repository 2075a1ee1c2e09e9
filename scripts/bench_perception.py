"""Perception benchmark: speed of each model, plate accuracy on the real crops, signal accuracy.

Prints one JSON document. Speed is measured here, never asserted in tests; accuracy uses the
real material in ../shared (those parts are reported as skipped when it is absent).

    python scripts/bench_perception.py [--shared ../shared] [--quick] [--skip-signal]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.plate_text import normalize  # noqa: E402
from edge.perception.models import ModelRegistry  # noqa: E402
from edge.perception.onnx_session import ENGINES  # noqa: E402
from edge.perception.plate.detector import PlateDetector  # noqa: E402
from edge.perception.plate.finder import PlateFinder, make_reader  # noqa: E402
from edge.perception.plate.recognizer import LineText, PaddleLineRecognizer  # noqa: E402
from edge.perception.plate.render import render_plate  # noqa: E402
from edge.perception.plate.text_regions import TextRegionDetector, raw_ocr  # noqa: E402
from edge.perception.vehicles import VehicleDetector  # noqa: E402
from scripts.bench_common import machine  # noqa: E402


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def time_ms(fn: Callable[[], object], repeat: int, warmup: int = 2) -> dict[str, float]:
    """Wall time per call, and the process's CPU time per call: a figure "on one core" is
    honest only if the second is not larger than the first (no hidden helper threads)."""
    for _ in range(warmup):
        fn()
    samples = []
    cpu0 = time.process_time()
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    cpu_ms = (time.process_time() - cpu0) * 1000 / repeat
    return {
        "median_ms": round(float(np.median(samples)), 2),
        "p90_ms": round(float(np.percentile(samples, 90)), 2),
        "cpu_ms_per_call": round(cpu_ms, 2),
        "runs": repeat,
    }


def sample_frame(shared: Path) -> np.ndarray:
    cap = cv2.VideoCapture(str(shared / "media" / "vn_a.mp4"))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 57)
    ok, frame = cap.read()
    cap.release()
    if ok:
        return frame
    frame = np.full((720, 1280, 3), 90, np.uint8)  # no ../shared: a rendered stand-in
    return frame


def bench_speed(registry: ModelRegistry, shared: Path, repeat: int) -> dict[str, object]:
    """Each model on each engine: OpenVINO (bfloat16 where the CPU has it, the default) and
    onnxruntime (float32)."""
    frame = sample_frame(shared)
    one = render_plate(["63A-123.45"], 60)
    two = render_plate(["59-D2", "064.28"], 90)
    out: dict[str, object] = {"frame": f"{frame.shape[1]}x{frame.shape[0]}"}
    for engine in ENGINES:
        figures: dict[str, object] = {}
        for threads in (1, 2):
            progress(f"{engine}: vehicle detector, {threads} thread(s)")
            det = VehicleDetector(registry.path("vehicles"), threads=threads, engine=engine)
            figures[f"vehicle_detector_{threads}_thread"] = time_ms(
                partial(det.detect, frame), repeat
            )
        progress(f"{engine}: plate detector")
        plates = PlateDetector(registry.path("plates"), threads=1, engine=engine)
        figures["plate_detector_1_thread"] = time_ms(partial(plates.detect, frame), repeat)
        reader = make_reader(registry, "ppocr", threads=1, engine=engine)
        progress(f"{engine}: plate reader, {reader.recognizer.name}")
        figures["recogniser"] = reader.recognizer.name
        figures["reader_one_line_1_thread"] = time_ms(partial(reader.read, one), repeat * 3)
        figures["reader_two_line_1_thread"] = time_ms(partial(reader.read, two), repeat * 3)
        out[engine] = figures
    return out


def score(rows: list[dict[str, str]], got: Sequence[str | None]) -> dict[str, object]:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for row, norm in zip(rows, got, strict=True):
        group = f"{row['kind']}_{row['lines']}line"
        total[group] += 1
        right[group] += norm == row["norm"]
    n_right = sum(right.values())
    return {
        "exact": n_right,
        "total": len(rows),
        "accuracy": round(n_right / len(rows), 4),
        "by_group": {
            g: {"exact": right[g], "total": total[g], "accuracy": round(right[g] / total[g], 4)}
            for g in sorted(total)
        },
    }


def count_recogniser_calls(finder: PlateFinder) -> list[int]:
    """Record the number of lines in every recogniser call the finder makes (the reader
    reads a crop again in other views when the first read is unsure)."""
    calls: list[int] = []
    rec = finder.reader.recognizer
    inner = rec.recognize

    def counted(lines_bgr: Sequence[np.ndarray]) -> list[LineText]:
        calls.append(len(lines_bgr))
        return inner(lines_bgr)

    rec.recognize = counted  # type: ignore[method-assign]  # wraps this instance's method
    return calls


def bench_plates(registry: ModelRegistry, shared: Path, backends: list[str]) -> dict[str, object]:
    csv_path = shared / "plates" / "public.csv"
    if not csv_path.exists():
        return {"skipped": f"{csv_path} not found"}
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    images = []
    for r in rows:
        image = cv2.imread(str(csv_path.parent / "images" / r["file"]))
        assert image is not None, f"cannot read {r['file']}"
        images.append(image)
    out: dict[str, object] = {}
    runs = [("ppocr", e, f"reader_ppocr_{e}") for e in ENGINES]
    runs += [(b, "onnxruntime", f"reader_{b}") for b in backends if b != "ppocr"]
    for backend, engine, key in runs:
        progress(f"plate accuracy: {key}")
        finder = PlateFinder.from_registry(
            registry, backend, threads=1, engine=engine, detector_engine=engine
        )
        calls = count_recogniser_calls(finder)
        t0 = time.perf_counter()
        reads = [finder.read_crop(img) for img in images]
        elapsed = time.perf_counter() - t0
        result = score(rows, [r.norm for r in reads])
        result["recogniser"] = finder.reader.recognizer.name
        result["unread"] = sum(r.norm is None for r in reads)
        result["mean_ms_per_crop"] = round(elapsed * 1000 / len(rows), 2)
        result["mean_recogniser_calls_per_crop"] = round(len(calls) / len(rows), 2)
        result["misread"] = [
            {"file": row["file"], "truth": row["norm"], "read": r.norm, "raw": list(r.raw)}
            for row, r in zip(rows, reads, strict=True)
            if r.norm != row["norm"]
        ]
        out[key] = result
    progress("plate accuracy: raw PP-OCRv6 with its own text detector (baseline)")
    rec = PaddleLineRecognizer(
        registry.path("text_rec"), registry.path("text_dict"), 1, None, engine="onnxruntime"
    )
    det = TextRegionDetector(registry.path("text_det"))
    t0 = time.perf_counter()
    raw = [normalize(raw_ocr(img, det, rec)) for img in images]
    base = score(rows, raw)
    base["mean_ms_per_crop"] = round((time.perf_counter() - t0) * 1000 / len(rows), 2)
    out["baseline_raw_ppocrv6_det_rec"] = base
    return out


def bench_signal(shared: Path) -> dict[str, object]:
    media = shared / "media"
    if not media.is_dir():
        return {"skipped": f"{media} not found"}
    script = REPO / "scripts" / "eval_signal.py"
    spec = importlib.util.spec_from_file_location("eval_signal", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out: dict[str, object] = {}
    for json_path in sorted(media.glob("*.json")):
        progress(f"signal state: {json_path.stem}")
        result = module.evaluate_video(json_path)
        out[json_path.stem] = {
            k: result[k] for k in ("scored", "correct", "accuracy", "wrong") if k in result
        }
    return out


def easyocr_available() -> bool:
    return importlib.util.find_spec("easyocr") is not None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--quick", action="store_true", help="fewer timing runs")
    parser.add_argument("--skip-signal", action="store_true")
    args = parser.parse_args()
    registry = ModelRegistry()
    backends = ["ppocr", *(["easyocr"] if easyocr_available() else [])]
    plates = bench_plates(registry, args.shared, backends)
    if not easyocr_available():
        plates["reader_easyocr"] = {"skipped": "easyocr not installed (pip install .[easyocr])"}
    report: dict[str, object] = {
        "machine": machine(),
        "speed": bench_speed(registry, args.shared, 5 if args.quick else 20),
        "plates": plates,
        "signal": {"skipped": "--skip-signal"} if args.skip_signal else bench_signal(args.shared),
    }
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
