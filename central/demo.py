"""The demo's central half: bundles → in-process collector → cases → notices → weekly report.

The embedded default needs no servers: the replay's bundles are handed straight to the same
Ingestor the MQTT collector uses (full verification, SQLite store, evidence by hash). Cases
are then confirmed automatically — marked `demo` on the case and in its history, never to be
mistaken for an officer's review —, notices are issued against a demo registry, fines and a
payment recorded, and the week's report written. Every step prints what it did.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central import cases, issued_documents
from central.db import CONFIRMED, REVIEW, Case, Transition
from central.fines import load_fines
from central.ingest import Ingestor
from central.notices import notice_data_for
from central.registry import import_registry
from central.reports import render_csv, render_html, weekly_report
from central.store import open_store
from common.signing import key_id, load_public_key

DEMO_ACTOR = "demo (automatic, not an officer)"
DEMO_SIGNER = "(bản trình diễn – không có người ký)"
DEMO_OWNERS = [
    ("Nguyễn Văn Hùng", "12 Ấp Bắc, Phường 5, TP Mỹ Tho, Tiền Giang"),
    ("Trần Thị Mỹ Linh", "45 Nguyễn Trãi, Phường 7, TP Mỹ Tho, Tiền Giang"),
    ("Lê Quốc Khánh", "8 Lê Lợi, Phường 1, TP Mỹ Tho, Tiền Giang"),
    ("Phạm Thị Thu Hà", "101 Hùng Vương, Phường 1, TP Mỹ Tho, Tiền Giang"),
    ("Võ Minh Tuấn", "27 Đinh Bộ Lĩnh, Phường 3, TP Mỹ Tho, Tiền Giang"),
]


@dataclass
class CentralDemo:
    received: int = 0
    stored: int = 0
    quarantined: list[str] = field(default_factory=list)
    notices: list[Path] = field(default_factory=list)
    report_csv: Path | None = None
    report_html: Path | None = None
    week: str = ""
    funnel: dict[str, int] = field(default_factory=dict)


def demo_registry(plates: list[tuple[str, str]], path: Path) -> Path:
    """A registry CSV with a fictional owner for each planted plate (plate, vehicle kind)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["plate", "owner_name", "address", "id_number", "vehicle_class"])
        for i, (plate, kind) in enumerate(plates):
            name, address = DEMO_OWNERS[i % len(DEMO_OWNERS)]
            w.writerow([plate, name, address, f"0820{i:08d}", kind])
    return path


def run_central_demo(
    bundles: list[Path], public_key: Path, registry_csv: Path, out: Path, now: datetime
) -> CentralDemo:
    """Ingest `bundles`, carry their cases to notices, a fine and a payment; write the report."""
    result = CentralDemo()
    out.mkdir(parents=True, exist_ok=True)
    store = open_store(f"sqlite:///{out / 'central.db'}", out / "evidence")
    key = load_public_key(public_key)
    known = {key_id(key): key}
    ingestor = Ingestor(store, lambda _camera, kid: known.get(kid), clock=lambda: now)
    fines = load_fines()
    clock = lambda: now  # noqa: E731  (the demo's "today": the replay's day)
    try:
        for path in bundles:
            receipt = ingestor.ingest(path.read_bytes())  # no topic: handed over in-process
            result.received += 1
            if receipt is not None and receipt.status in ("stored", "duplicate"):
                result.stored += 1
            else:
                reason = receipt.reason if receipt else "no violation id"
                result.quarantined.append(f"{path.name}: {reason}")
        print(
            f"collector (in-process): {result.stored}/{result.received} bundles verified and "
            f"stored, {len(result.quarantined)} quarantined"
        )
        with store.sessions() as s, s.begin():
            print(f"registry: {import_registry(s, registry_csv).summary()}")
            cases.triage(s, 5, clock=clock)
            for case in s.scalars(select(Case).where(Case.state == REVIEW)).all():
                if case.plate_norm:
                    cases.confirm(s, case.id, DEMO_ACTOR, clock=clock, demo=True)
                else:
                    cases.reject(s, case.id, DEMO_ACTOR, "plate_unreadable", clock=clock)
        notices = out / "notices"
        notices.mkdir(exist_ok=True)
        with store.sessions() as s, s.begin():
            confirmed = s.scalars(select(Case).where(Case.state == CONFIRMED).order_by(Case.id))
            for n, case in enumerate(confirmed.all()):
                cases.issue_notice(s, case.id, DEMO_ACTOR, "MT", 20, clock=clock)
                data = notice_data_for(s, case, store.evidence.root, 20, fines)
                doc = issued_documents.freeze_notice(
                    s, store.evidence, case, DEMO_ACTOR, data, clock=clock
                )
                stem = notices / doc.number  # the frozen bytes, as the web page serves them
                Path(f"{stem}.html").write_bytes(issued_documents.read(store.evidence, doc, "html"))
                Path(f"{stem}.pdf").write_bytes(issued_documents.read(store.evidence, doc, "pdf"))
                result.notices.append(Path(f"{stem}.pdf"))
                print(
                    f"  notice {case.notice_number}: {case.plate_text} ({case.vehicle_class}), "
                    f"{case.owner.name if case.owner else '?'} -> {stem}.pdf"
                )
                amount = fines.fine_for(case.vehicle_class).default_vnd
                later = lambda d=n: now + timedelta(days=2 + d)  # noqa: E731
                cases.record_fine(s, case.id, DEMO_ACTOR, amount, fines.check_amount, later)
                fined = notice_data_for(s, case, store.evidence.root, 20, fines)
                issued_documents.freeze_decision(
                    s, store.evidence, case, DEMO_ACTOR, DEMO_SIGNER, fined, clock=later
                )
                if n % 2 == 0:  # half pay within the week, as a city's funnel would show
                    cases.record_payment(s, case.id, DEMO_ACTOR, amount, f"DEMO-{n + 1:04d}", later)
        iso = now.isocalendar()
        result.week = f"{iso.year}-W{iso.week:02d}"
        with store.sessions() as s:
            report = weekly_report(s, result.week, now=now + timedelta(days=7))
            result.report_csv = out / f"report-{result.week}.csv"
            result.report_html = out / f"report-{result.week}.html"
            result.report_csv.write_text(render_csv(report), encoding="utf-8")
            result.report_html.write_text(render_html(report), encoding="utf-8")
            result.funnel = _funnel(s)
    finally:
        ingestor.close()
        store.close()
    return result


def _funnel(session: Session) -> dict[str, int]:
    """Moves into each state, over the whole demo database."""
    rows = session.execute(
        select(Transition.to_state, func.count()).group_by(Transition.to_state)
    ).all()
    return {state: count for state, count in rows}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
