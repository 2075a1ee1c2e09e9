"""The README's demo: render the intersection, replay it, check the truth, then carry the
cases through the central service to notices and the weekly report.

Why: one command shows the whole edge pipeline on a scene whose answer is known, and proves
it rather than just printing output: every planted red-light runner must be found near the
planted crossing frame with its plate read exactly, and no negative (crossing on green or
amber, stopping over the line, turning right on red) may be flagged. The replay is the same
command line an operator or an appeal would run (`dendo-edge replay ...`), called in-process.
The demo camera uses the motion detector (the COCO model does not see drawn vehicles); the
signal head and the plates go through the real models.

Then the central half (`central/demo.py`): the bundles go to an in-process collector (the
embedded default: no broker), which verifies and stores them; the cases are confirmed
automatically (marked as demo, not an officer's review), notices issued as HTML and PDF
against a demo registry, fines and payments recorded, and the week's report written.

    python scripts/demo.py [--out DIR] [--seconds N] [--seed S]

Exit status 0 when everything planted was found and read and no negative fired, 1 otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from edge.commands.main import main as edge_main

START_TIME = "2026-11-23T01:00:00Z"  # a Monday, 08:00 in Mỹ Tho: the week's report holds it
FRAME_TOLERANCE = 15  # a found crossing within this many frames of the planted one
X_TOLERANCE = 120.0  # px: the box centre at the crossing lies in the planted vehicle's lane


def _scene_module() -> Any:
    path = Path(__file__).with_name("make_demo_video.py")
    spec = importlib.util.spec_from_file_location("make_demo_video", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def match(truth: dict[str, Any], found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Planted or negative vehicle name -> the reported violation at its crossing."""
    pairs = []
    for item in truth["violations"] + truth["negatives"]:
        if item["cross_frame"] is None:
            continue
        for i, v in enumerate(found):
            dframe = abs(v["cross_frame"] - item["cross_frame"])
            dx = abs((v["box_at_cross"][0] + v["box_at_cross"][2]) / 2 - item["x_at_cross"])
            if dframe <= FRAME_TOLERANCE and dx <= X_TOLERANCE:
                pairs.append((dframe, dx, item["name"], i))
    taken: dict[str, dict[str, Any]] = {}
    used: set[int] = set()
    for _, _, name, i in sorted(pairs):
        if name not in taken and i not in used:
            taken[name] = found[i]
            used.add(i)
    return taken


def report(truth: dict[str, Any], summary: dict[str, Any], out: Path) -> list[str]:
    """Print the comparison; return the problems (empty when the demo passed)."""
    found = summary["violations"]
    matched = match(truth, found)
    problems: list[str] = []
    print(f"\nplanted red-light violations ({len(truth['violations'])}):")
    for t in truth["violations"]:
        want = t["plate"]["text"]
        head = f"{t['name']} {t['kind']:9} {want:13} planted at frame {t['cross_frame']:>4}"
        v = matched.get(t["name"])
        if v is None:
            print(f"  MISSED  {head}: no violation within {FRAME_TOLERANCE} frames in its lane")
            problems.append(f"{t['name']} ({want}) missed")
            continue
        read = v["plate"]["text"]
        ok = v["plate"]["norm"] == t["plate"]["norm"]
        plate = f"plate read {read or '(unread: ' + str(v['plate']['reason']) + ')'}"
        print(
            f"  FOUND   {head}: crossed at frame {v['cross_frame']}, {v['vehicle_class']}, "
            f"{v['seconds_into_red']} s into red, {plate}{'' if ok else '  <- WRONG'}"
        )
        if not ok:
            problems.append(f"{t['name']} plate {want} read as {read!r}")
    print(f"negatives, must not be flagged ({len(truth['negatives'])}):")
    for t in truth["negatives"]:
        flagged = t["name"] in matched
        mark = "FLAGGED" if flagged else "ok     "
        print(f"  {mark} {t['name']} {t['kind']:9} {t['plate']['text']:13} {t['why']}")
        if flagged:
            problems.append(f"{t['name']} ({t['why']}) was flagged")
    known = {id(v) for v in matched.values()}
    for v in found:
        if id(v) not in known:
            print(f"  UNEXPECTED violation at frame {v['cross_frame']}: {v['plate']['text']}")
            problems.append(f"unexpected violation at frame {v['cross_frame']}")
    print("evidence bundles:")
    for v in found:
        print(f"  {out / v['bundle'] if v['bundle'] else '(none written)'}")
    return problems


def run(out: Path, seconds: float, seed: int) -> int:
    scene = _scene_module()
    started = time.perf_counter()
    truth = scene.make(out, seconds, seed)
    rendered = time.perf_counter() - started
    print(
        f"rendered {truth['video']}: {truth['frames']} frames in {rendered:.1f} s "
        f"({len(truth['violations'])} red-light runners, {len(truth['negatives'])} negatives)"
    )
    replay_out = out / "out"
    summary_path, annotated = replay_out / "summary.json", replay_out / "annotated.mp4"
    argv = ["replay", truth["video"], "--config", truth["config"], "--camera", truth["camera"],
            "--out", str(replay_out), "--json", str(summary_path), "--annotate", str(annotated),
            "--start-time", START_TIME]  # fmt: skip
    print("dendo-edge " + " ".join(argv), flush=True)
    started = time.perf_counter()
    code = edge_main(argv)
    replayed = time.perf_counter() - started
    if code != 0 or not summary_path.exists():
        print(f"demo: FAILED, the replay exited with status {code}", file=sys.stderr)
        return 1
    summary = json.loads(summary_path.read_text())
    problems = report(truth, summary, replay_out)
    print(f"annotated video: {annotated}")
    print(f"summary: {summary_path}   truth: {out / 'demo_truth.json'}")
    hits = sum(1 for t in truth["violations"] if t["name"] in match(truth, summary["violations"]))
    print(
        f"render {rendered:.1f} s, replay {replayed:.1f} s; found {hits}/"
        f"{len(truth['violations'])}, {len(summary['violations'])} violation(s) reported"
    )
    if problems:
        print("demo: FAILED: " + "; ".join(problems))
        return 1
    print("edge: every planted violation found with its plate read, no negative flagged")
    return central_stage(truth, summary, replay_out, out / "central")


def central_stage(
    truth: dict[str, Any], summary: dict[str, Any], replay_out: Path, out: Path
) -> int:
    """The found violations through the central service, to notices and the weekly report."""
    from central.demo import demo_registry, run_central_demo, utc

    print("\n== central service (embedded: in-process collector, SQLite) ==")
    bundles = [replay_out / v["bundle"] for v in summary["violations"] if v["bundle"]]
    shutil.rmtree(out, ignore_errors=True)  # a fresh demo database on every run
    out.mkdir(parents=True, exist_ok=True)
    registry = demo_registry(
        [(t["plate"]["text"], t["kind"]) for t in truth["violations"]], out / "registry.csv"
    )
    now = utc(START_TIME) + timedelta(hours=1)
    result = run_central_demo(bundles, replay_out / "replay.pub.pem", registry, out, now)
    print(f"weekly report {result.week}: {result.report_html} (and .csv)")
    print("funnel: " + ", ".join(f"{k} {v}" for k, v in sorted(result.funnel.items())))
    problems = list(result.quarantined)
    if len(result.notices) != len(bundles):
        problems.append(f"{len(result.notices)} notices for {len(bundles)} violations")
    if problems:
        print("demo: FAILED: " + "; ".join(problems))
        return 1
    print(
        f"demo: PASSED: every planted violation found, read, verified, and noticed "
        f"({len(result.notices)} notices, cases confirmed automatically in demo mode)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("out/demo-scene"), help="output folder")
    ap.add_argument("--seconds", type=float, default=36.0, help="scene length (default 36)")
    ap.add_argument("--seed", type=int, default=7, help="scene seed (default 7)")
    args = ap.parse_args(argv)
    return run(args.out, args.seconds, args.seed)


if __name__ == "__main__":
    sys.exit(main())
