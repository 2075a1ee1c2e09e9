"""Make the int8 YOLO detectors (`models/yolov8n_int8.onnx`, `models/plate_yolov8n_int8.onnx`)
from the float32 ones.

Static quantisation with onnxruntime's QDQ format: int8 weights per output channel, uint8
activations whose ranges come from pictures as each detector sees them, through the same
letterbox:
- vehicles: frames of the public videos (the band around each stop line, and the whole frame);
- plates: the vehicle crops the plate search reads (vehicles detected on those frames, cut
  with the search's margin); the plate photos of `../shared/plates` are kept out, for the
  test that compares int8 with float32 (with half of them calibrating, the street crops lost
  6 of 32 float32 plates instead of 1).
Only the convolutions of the backbone and neck are quantised; the head's last convolutions
(the box distributions and the class scores) and its decoder stay float32, because a weak
rider's score of 0.1-0.3 is what the tracker's second stage lives on and int8 steps there are
coarse. The plate ranges are the plain extremes seen: a plate that fills the crop drives the
score branch far beyond most street crops, and a moving average over the calibration clipped
it (plate photos scored 1.0 in float32 came out near 0.3: 3 of 100 kept).

The results are committed (`models/manifest` pins them); a box never needs the videos. Run it
again only when a float32 model or the calibration changes, then update the manifest's
sha256. `--without VIDEO` leaves videos out of the calibration, to see how much the ranges
depend on the traffic they were measured on (the closing figures of issue 15 report both).

    python scripts/quantise_models.py [--model vehicles|plates] [--out FILE] [--without vn_a ...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.config.city import CityConfig  # noqa: E402
from edge.perception.models import ModelRegistry  # noqa: E402
from edge.perception.plate.finder import crop_box  # noqa: E402
from edge.perception.plate.track_plates import VEHICLE_MARGIN  # noqa: E402
from edge.perception.vehicles import Roi, VehicleDetector, crop_roi  # noqa: E402
from edge.perception.yolo import letterbox  # noqa: E402
from scripts.bench_common import machine  # noqa: E402
from scripts.eval_videos import camera_config  # noqa: E402

FRAMES_PER_VIDEO = 24  # evenly spaced over each clip; each gives its band and its whole frame
OUT = {"vehicles": "yolov8n_int8.onnx", "plates": "plate_yolov8n_int8.onnx"}
VEHICLE_CLASSES = {"car", "motorcycle", "bus", "truck", "bicycle"}
HEAD = "/model.22/"  # the detection head: its output convolutions and decoder stay float32


def float_nodes(model_path: Path) -> list[str]:
    """Nodes left in float32: everything of the head but its first two convolution stages."""
    import onnx

    graph = onnx.load(str(model_path)).graph
    return [
        n.name
        for n in graph.node
        if n.name.startswith(HEAD)
        and (n.op_type != "Conv" or n.name.endswith(".2/Conv") or "/dfl/" in n.name)
    ]


def sampled_frames(media: Path, without: set[str]) -> Iterator[tuple[np.ndarray, Roi | None]]:
    """FRAMES_PER_VIDEO evenly spaced frames of each public video, with its detection band."""
    for truth_path in sorted(media.glob("*.json")):
        video = truth_path.with_suffix(".mp4")
        if video.stem in without or not video.exists():
            continue
        truth = json.loads(truth_path.read_text())
        camera = CityConfig.model_validate(camera_config(truth, video)).camera("EV-01")
        capture = cv2.VideoCapture(str(video))
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        for index in np.linspace(0, total - 1, FRAMES_PER_VIDEO).astype(int):
            capture.set(cv2.CAP_PROP_POS_FRAMES, int(index))
            ok, frame = capture.read()
            if not ok:
                continue
            yield frame, camera.detection_rect(frame.shape[1], frame.shape[0])
        capture.release()


def vehicle_inputs(media: Path, without: set[str]) -> Iterator[np.ndarray]:
    """Letterboxed 640x640 inputs: each sampled frame's detection band, then the whole frame."""
    for frame, rect in sampled_frames(media, without):
        if rect is not None:
            yield letterbox(crop_roi(frame, rect)[0], 640)[0]
        yield letterbox(frame, 640)[0]


def plate_inputs(media: Path, without: set[str]) -> Iterator[np.ndarray]:
    """Letterboxed 640x640 inputs: the vehicle crops of the sampled frames as the plate search
    cuts them."""
    detector = VehicleDetector(ModelRegistry().path("vehicles"), conf=0.3, precision="f32")
    for frame, _ in sampled_frames(media, without):
        for found in detector.detect(frame):
            crop = crop_box(frame, found.box, VEHICLE_MARGIN)
            if found.label in VEHICLE_CLASSES and min(crop.shape[:2]) >= 16:
                yield letterbox(crop, 640)[0]


def quantise(model: str, out: Path, media: Path, without: set[str]) -> dict[str, object]:
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    source = ModelRegistry().path(model)
    inputs = list((plate_inputs if model == "plates" else vehicle_inputs)(media, without))
    if not inputs:
        raise SystemExit(f"no calibration frames: no videos with calibration under {media}")

    class Frames(CalibrationDataReader):
        def __init__(self) -> None:
            self.left = iter(inputs)

        def get_next(self) -> dict[str, np.ndarray] | None:
            blob = next(self.left, None)
            return None if blob is None else {"images": blob}

    started = time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(out),
            Frames(),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["Conv"],
            nodes_to_exclude=float_nodes(source),
            calibrate_method=CalibrationMethod.MinMax,
            extra_options={"WeightSymmetric": True, "CalibMovingAverage": model == "vehicles"},
        )
    return {
        "model": model,
        "source": source.name,
        "out": str(out),
        "calibration_inputs": len(inputs),
        "without": sorted(without),
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "bytes": out.stat().st_size,
        "cpu_s": round(time.process_time() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    ap.add_argument("--model", choices=sorted(OUT), default="vehicles")
    ap.add_argument("--out", type=Path, help="default: models/ and the model's int8 file name")
    ap.add_argument("--without", action="append", default=[], help="a video left out")
    args = ap.parse_args(argv)
    out = args.out or REPO / "models" / OUT[args.model]
    report = quantise(args.model, out, args.media, set(args.without))
    print(json.dumps({"machine": machine(), **report}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
