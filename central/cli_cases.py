"""`dendo-central cases …`, `registry import`, `report`: the officers' command line.

Until the review web page exists, officers work the cases from here. Each command opens the
configured database, makes one checked move in one transaction, and prints what it did or
the reason it refused (exit code 1). `--as NAME` is recorded on every move.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central import cases
from central.config import CentralConfig, load_central_config
from central.db import STATES, Case, Transition
from central.fines import load_fines
from central.registry import import_registry
from central.reports import render_csv, render_html, render_json, weekly_report
from central.store import EvidenceStore, Store, open_store

DEFAULT_CONFIG = Path("configs/central.yaml")


def open_configured(path: Path) -> tuple[CentralConfig, Store]:
    config = load_central_config(path)
    return config, open_store(config.resolved_database_url(), config.evidence_dir)


def _line(case: Case) -> str:
    plate = case.plate_text or "(unread)"
    into = f"{case.seconds_into_red:.1f}s" if case.seconds_into_red is not None else "-"
    extra = f"  {case.notice_number}" if case.notice_number else ""
    demo = "  [demo]" if case.demo else ""
    return (
        f"{case.id:>6}  {case.state:<13} {case.camera_id:<6} "
        f"{case.crossed_at:%Y-%m-%d %H:%M:%S}Z  {plate:<14} {case.vehicle_class:<10} "
        f"red {into}{extra}{demo}"
    )


def cmd_list(args: argparse.Namespace, config: CentralConfig, s: Session) -> int:
    query = select(Case).order_by(Case.crossed_at, Case.id)
    if args.state:
        query = query.where(Case.state == args.state)
    if args.camera:
        query = query.where(Case.camera_id == args.camera)
    total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = s.scalars(query.limit(args.limit)).all()
    print(f"{'case':>6}  {'state':<13} {'camera':<6} {'crossed (UTC)':<20}  {'plate':<14} class")
    for case in rows:
        print(_line(case))
    print(f"{len(rows)} of {total} case(s)")
    return 0


def cmd_show(args: argparse.Namespace, config: CentralConfig, s: Session) -> int:
    case = cases.get_case(s, args.case)
    print(_line(case))
    print(f"  violation {case.violation_id}, signal {case.signal_state}")
    if case.plate_corrected:
        print(f"  plate corrected from {case.plate_read_text or '(unread)'}")
    if case.chain_flag:
        print(f"  evidence chain: {case.chain_flag}")
    if case.reject_reason:
        print(f"  rejected: {case.reject_reason}")
    if case.owner is not None:
        print(f"  owner: {case.owner.name}, {case.owner.address}")
    if case.deadline_at:
        print(f"  deadline {case.deadline_at:%Y-%m-%d %H:%M}Z")
    if case.fine_vnd:
        print(
            f"  fine {case.fine_vnd:,} VND" + (f", paid {case.paid_vnd:,}" if case.paid_vnd else "")
        )
    print("  history:")
    for t in s.scalars(
        select(Transition).where(Transition.case_id == case.id).order_by(Transition.id)
    ):
        note = f"  {t.note}" if t.note else ""
        print(
            f"    {t.at:%Y-%m-%d %H:%M:%S}Z  {t.from_state or '-':>13} → {t.to_state:<13} "
            f"by {t.actor}{note}"
        )
    return 0


def cmd_confirm(args: argparse.Namespace, config: CentralConfig, s: Session) -> int:
    case = cases.confirm(s, args.case, args.actor, plate=args.plate, reason=args.reason or "")
    print(f"case {case.id} confirmed, plate {case.plate_text}")
    return 0


def cmd_reject(args: argparse.Namespace, config: CentralConfig, s: Session) -> int:
    case = cases.reject(s, args.case, args.actor, args.reason, args.text or "")
    print(f"case {case.id} rejected: {case.reject_reason}")
    return 0


def cmd_notice(args: argparse.Namespace, config: CentralConfig, s: Session) -> int:
    case = cases.issue_notice(
        s, args.case, args.actor, config.city_code, config.notice_deadline_days
    )
    print(f"case {case.id}: notice {case.notice_number}, deadline {case.deadline_at:%Y-%m-%d}")
    from central import issued_documents
    from central.notices import issuing_unit

    data = issued_documents.notice_data(
        s,
        case,
        config.evidence_dir,
        config.notice_deadline_days,
        load_fines(),
        issuing_unit(config),
    )
    store = EvidenceStore(config.evidence_dir)
    doc = issued_documents.freeze_notice(s, store, case, args.actor, data)
    print(f"  frozen as {doc.number}, PDF sha256 {doc.pdf_sha256}")
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(
            issued_documents.read(store, doc, "pdf" if out.suffix == ".pdf" else "html")
        )
        print(f"  written to {out}")
    return 0


def cmd_fine(args: argparse.Namespace, config: CentralConfig, s: Session) -> int:
    table = load_fines()
    case = cases.get_case(s, args.case)
    amount = (
        args.amount if args.amount is not None else table.fine_for(case.vehicle_class).default_vnd
    )
    cases.record_fine(s, args.case, args.actor, amount, check=table.check_amount)
    from central import issued_documents
    from central.notices import issuing_unit

    data = issued_documents.notice_data(
        s, case, config.evidence_dir, config.notice_deadline_days, table, issuing_unit(config)
    )
    store = EvidenceStore(config.evidence_dir)
    doc = issued_documents.freeze_decision(s, store, case, args.actor, args.signer, data)
    print(f"case {case.id}: fine {amount:,} VND recorded, decision {doc.number} ({args.signer})")
    return 0


def cmd_pay(args: argparse.Namespace, config: CentralConfig, s: Session) -> int:
    case = cases.record_payment(s, args.case, args.actor, args.amount, args.reference)
    print(f"case {case.id}: paid {case.paid_vnd:,} VND ({case.payment_ref})")
    return 0


def cmd_escalate(args: argparse.Namespace, config: CentralConfig, s: Session) -> int:
    if args.case is None and not args.overdue:
        raise cases.CaseError("give a case number, or --overdue for every overdue case")
    if args.overdue:
        ids = cases.escalate_overdue(s, args.actor)
        print(f"{len(ids)} case(s) escalated: {ids}")
    else:
        case = cases.escalate(s, args.case, args.actor)
        print(f"case {case.id} escalated (deadline {case.deadline_at:%Y-%m-%d})")
    return 0


def cmd_triage(args: argparse.Namespace, config: CentralConfig, s: Session) -> int:
    moved = cases.triage(s, config.duplicate_window_minutes)
    merged = sum(1 for c in moved if c.state == "merged")
    print(f"{len(moved)} detected case(s): {len(moved) - merged} to review, {merged} merged")
    return 0


def cmd_registry_import(args: argparse.Namespace, config: CentralConfig, s: Session) -> int:
    result = import_registry(s, Path(args.file))
    print(result.summary())
    return 0


def cmd_report(args: argparse.Namespace, config: CentralConfig, s: Session) -> int:
    report = weekly_report(s, args.week)
    if args.format == "html":
        from central.notices import issuing_unit

        text = render_html(report, issuing_unit(config))
    else:
        text = {"csv": render_csv, "json": render_json}[args.format](report)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"report {args.week} written to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _run(func: Callable[[argparse.Namespace, CentralConfig, Session], int]) -> Callable[..., int]:
    def run(args: argparse.Namespace) -> int:
        try:
            config, store = open_configured(args.config)
        except Exception as exc:  # a bad config or an unreachable database: say which
            print(f"dendo-central: {exc}", file=sys.stderr)
            return 2
        try:
            with store.sessions() as session, session.begin():
                return func(args, config, session)
        except (cases.CaseError, ValueError) as exc:
            print(f"dendo-central: refused: {exc}", file=sys.stderr)
            return 1
        finally:
            store.close()

    return run


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    p.add_argument("--as", dest="actor", default=getpass.getuser(), help="who makes the move")


def add_cli(sub: Any) -> None:
    cs = sub.add_parser("cases", help="list, show and move cases").add_subparsers(
        dest="action", required=True
    )
    p = cs.add_parser("list")
    p.add_argument("--state", choices=STATES)
    p.add_argument("--camera")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=_run(cmd_list))
    for name, command, helptext in (
        ("show", cmd_show, "a case with its history"),
        ("confirm", cmd_confirm, "confirm after review (optionally correct the plate)"),
        ("reject", cmd_reject, "reject with a reason"),
        ("notice", cmd_notice, "issue the notice (owner from the registry, number, deadline)"),
        ("fine", cmd_fine, "record the fine (default: the fines table's amount)"),
        ("pay", cmd_pay, "record the payment"),
    ):
        p = cs.add_parser(name, help=helptext)
        p.add_argument("case", type=int)
        p.set_defaults(func=_run(command))
        _common(p)
        if name == "confirm":
            p.add_argument("--plate", help="the corrected plate, e.g. '59-D2 064.28'")
            p.add_argument("--reason", help="why a confident camera read is corrected")
        elif name == "reject":
            p.add_argument("reason", choices=sorted(cases.REJECT_REASONS))
            p.add_argument("--text", help="the reason written out (required for 'other')")
        elif name == "notice":
            p.add_argument("--out", help="write the printable notice here (.html or .pdf)")
        elif name == "fine":
            p.add_argument("--amount", type=int, help="VND")
            p.add_argument("--signer", required=True, help="who signs the decision (name, title)")
        elif name == "pay":
            p.add_argument("amount", type=int, help="VND")
            p.add_argument("reference", help="receipt or transaction reference")
    p = cs.add_parser("escalate", help="escalate a case, or every overdue one")
    p.add_argument("case", type=int, nargs="?")
    p.add_argument("--overdue", action="store_true")
    p.set_defaults(func=_run(cmd_escalate))
    _common(p)
    p = cs.add_parser("triage", help="move detected cases to review, merging duplicates")
    p.set_defaults(func=_run(cmd_triage))
    _common(p)
    for parser in cs.choices.values():
        if not any(a.dest == "config" for a in parser._actions):
            _common(parser)
    reg = sub.add_parser("registry", help="the vehicle registry").add_subparsers(
        dest="action", required=True
    )
    p = reg.add_parser("import", help="import owners from CSV (plate, owner_name, address, …)")
    p.add_argument("file")
    p.set_defaults(func=_run(cmd_registry_import))
    _common(p)
    p = sub.add_parser("report", help="the weekly report")
    p.add_argument("--week", required=True, help="ISO week, e.g. 2026-W47")
    p.add_argument("--format", choices=["csv", "html", "json"], default="csv")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(func=_run(cmd_report))
    _common(p)
