"""Export the plate detector (safelicensing==1.0.3 best.pt) to ONNX, offline, with ultralytics.

Run once by a developer, never by the default set-up (it needs torch): the result is committed
as models/plate_yolov8n.onnx and its sha256 written into models/manifest. It builds a throw-away
virtual environment, because ultralytics and torch must not enter the project's own.

    python scripts/export_models.py [--work /tmp/dendo-export]

Steps (what worked on this machine): torch==2.13.0 (a local CPU build), ultralytics==8.4.190 and
torchvision==0.28.0 without dependencies (torchvision only for its metadata), then the export's
own needs; YOLO_OFFLINE=1 so nothing is fetched. The exported file embeds the export date in
its metadata, so each export hashes differently: update the manifest when you re-export.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = "safelicensing==1.0.3"
MEMBER = "safelicensing/best.pt"
EXPORT_DEPS = [
    "matplotlib", "pyyaml", "requests", "scipy", "psutil", "polars",
    "ultralytics-thop", "omegaconf", "onnx", "onnxslim", "opencv-python-headless", "pillow",
]  # fmt: skip


def run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=cwd, env=env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/dendo-export"))
    args = parser.parse_args()
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    venv = work / "venv"
    py = venv / "bin" / "python"
    if not py.exists():
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(py), "-m", "pip", "install", "-q", "torch==2.13.0"])
        run([str(py), "-m", "pip", "install", "-q", "--no-deps",
             "ultralytics==8.4.190", "torchvision==0.28.0"])  # fmt: skip
        run([str(py), "-m", "pip", "install", "-q", *EXPORT_DEPS])
    run([str(py), "-m", "pip", "download", "-q", "--no-deps", "-d", str(work), SOURCE])
    wheel = next(work.glob("safelicensing-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        zf.extract(MEMBER, work)
    pt = work / MEMBER
    code = (
        "from ultralytics import YOLO; "
        "YOLO('best.pt').export(format='onnx', imgsz=640, simplify=True)"
    )
    run([str(py), "-c", code], cwd=pt.parent, env={**os.environ, "YOLO_OFFLINE": "1"})
    target = REPO / "models" / "plate_yolov8n.onnx"
    shutil.copyfile(pt.with_suffix(".onnx"), target)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    print(f"wrote {target} sha256 {digest}: put this sha256 in models/manifest (model 'plates')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
