"""The README's demo scene end to end: render, replay with the real models, compare the truth.

Runs `scripts/demo.py` as a user would (a subprocess, its own output folder) and checks that
every planted red-light runner is found with its plate read and no negative fires. About 20 s
on two cores: the whole 36 s scene, since its second red phase holds two of the runners.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO

pytestmark = pytest.mark.slow  # sweeps the real material; see pyproject's markers


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def test_demo_scene_finds_every_planted_violation_and_reads_its_plate(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "demo.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=300,
    )
    output = f"--- stdout ---\n{_tail(run.stdout)}\n--- stderr ---\n{_tail(run.stderr)}"
    verdict = [line for line in run.stdout.splitlines() if line.startswith("demo:")]
    assert run.returncode == 0, f"demo exited {run.returncode}: {verdict or 'crashed'}\n{output}"
    assert verdict and "PASSED" in verdict[-1], f"no PASSED verdict printed\n{output}"

    truth = json.loads((tmp_path / "demo_truth.json").read_text())
    kinds = {v["kind"] for v in truth["violations"]}
    roles = {v["role"] for v in truth["negatives"]}
    assert len(truth["violations"]) >= 3 and kinds == {"car", "motorbike"}, (
        f"the scene must plant at least 3 runners, cars and motorbikes: {truth['violations']}"
    )
    assert {"green", "stopper", "right_turn"} <= roles, f"negatives missing: {sorted(roles)}"

    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    planted = sorted(v["plate"]["norm"] for v in truth["violations"])
    read = sorted(str(v["plate"]["norm"]) for v in summary["violations"])
    assert read == planted, f"plates of the violations found {read}, planted {planted}\n{output}"
    for v in summary["violations"]:
        bundle = tmp_path / "out" / str(v["bundle"])
        assert bundle.is_file(), f"violation at frame {v['cross_frame']}: no bundle {bundle}"
    annotated = tmp_path / "out" / "annotated.mp4"
    assert annotated.stat().st_size > 100_000, f"annotated video too small: {annotated}"

    # The central half: every violation verified, stored, confirmed (as demo), noticed.
    central = tmp_path / "central"
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{central / 'central.db'}")
    with engine.connect() as db:
        states: dict[str, int] = dict(
            db.execute(text("SELECT state, count(*) FROM cases GROUP BY state")).all()
        )
        demo_flags = {row[0] for row in db.execute(text("SELECT demo FROM cases"))}
        quarantined = db.execute(text("SELECT count(*) FROM quarantine")).scalar()
        numbers = sorted(r[0] for r in db.execute(text("SELECT notice_number FROM cases")))
    engine.dispose()
    n = len(truth["violations"])
    assert quarantined == 0, "a demo bundle was quarantined"
    assert sum(states.values()) == n and set(states) <= {"fined", "paid"}, states
    assert demo_flags == {1}, "automatically confirmed cases must be marked demo"
    assert numbers == [f"MT-2026-{i:06d}" for i in range(1, n + 1)], numbers
    for number in numbers:
        pdf = central / "notices" / f"{number}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF"), f"notice {pdf} is not a PDF"
    report = (central / "report-2026-W48.csv").read_text(encoding="utf-8-sig")
    total = next(line for line in report.splitlines() if ",TỔNG," in line)
    assert total.split(",")[5] == str(n), f"the week's report does not count {n}: {total}"
