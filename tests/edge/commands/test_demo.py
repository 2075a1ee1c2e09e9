"""The README's demo: the perception on the rendered sample scene finds what was planted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_perception_demo_reads_every_planted_plate_and_the_red_signal(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "edge.commands.main", "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, f"demo failed:\n{out.stdout}\n{out.stderr}"
    summary = json.loads(out.stdout[: out.stdout.rindex("}") + 1])
    assert summary["signal_state"] == "red"
    assert sorted(p["text"] for p in summary["plates"]) == ["59-D2 064.28", "63A-123.45"]
    assert (tmp_path / "perception_demo.png").stat().st_size > 10_000
