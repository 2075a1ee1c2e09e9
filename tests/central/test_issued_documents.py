"""Frozen documents, on SQLite and PostgreSQL, with real signed bundles: a notice downloaded
after a registry re-import is byte for byte the one issued; a re-addressed notice is a new
version with its own number while the old one stays, marked superseded, and downloadable as
issued; a fine decision is frozen with its number, date and signer."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from central import issued_documents
from central.db import DECISION, NOTICE, SUPERSEDED, Case, IssuedDocument
from central.registry import import_registry
from central.users import User
from central.web import actions
from tests.fixtures.browser import DemoBundles, company_owns, make_web_env


def test_issued_documents_never_change_and_corrections_are_new_versions(
    tmp_path: Path, store_url: str, demo_bundles: DemoBundles
) -> None:
    env = make_web_env(tmp_path, demo_bundles, url=store_url)
    try:
        officer = env.client("officer")
        officer.get("/review")  # triage
        rules, store = env.app.state.rules, env.store.evidence
        with env.store.sessions.begin() as s:
            lan = s.scalars(select(User).where(User.role == "officer")).one()
            case = s.scalars(select(Case).where(Case.plate_read_text == "71-C3 802.46")).one()
            cid = case.id
            actions.confirm(s, lan, cid, None, seen=case.version)
            _, first = actions.issue_notice(s, lan, cid, rules, store, seen=case.version)
            number, plate = first.number, case.plate_text
        issued = officer.get(f"/cases/{cid}/notice.pdf")
        assert issued.status_code == 200 and issued.content.startswith(b"%PDF")
        assert hashlib.sha256(issued.content).hexdigest() == first.pdf_sha256
        html_before = officer.get(f"/cases/{cid}/notice").text

        with env.store.sessions.begin() as s:
            result = import_registry(
                s, company_owns(tmp_path / "registry-2.csv", plate, "motorcycle")
            )
        assert result.updated == 1, f"the registry did not change: {result.summary()}"
        again = officer.get(f"/cases/{cid}/notice.pdf")
        assert again.content == issued.content, "the notice changed after a registry re-import"
        assert officer.get(f"/cases/{cid}/notice").text == html_before
        assert "Công ty TNHH" not in html_before
        assert first.pdf_sha256 in officer.get(f"/cases/{cid}").text, "the page shows the hash"

        with env.store.sessions.begin() as s:
            case = s.get(Case, cid)
            actions.file_appeal(s, lan, cid, "vehicle_sold", "bán năm 2025", seen=case.version)
        supervisor = env.client("supervisor")
        with env.store.sessions.begin() as s:
            hoa = s.scalars(select(User).where(User.role == "supervisor")).one()
            new_owner = {"name": "Phạm Minh Tâm", "address": "7 Trưng Trắc, Mỹ Tho"}
            _, second = actions.decide_appeal(
                s,
                hoa,
                cid,
                "readdress",
                "hợp đồng mua bán xe công chứng",
                rules,
                store,
                seen=s.get(Case, cid).version,
                addressee=new_owner,
            )
            assert second is not None
            second_id, second_number = second.id, second.number
        assert second_number == f"{number}-2", second_number
        with env.store.sessions() as s:
            docs = issued_documents.history(s, cid)
            old = docs[0]
            assert [(d.kind, d.version, d.status) for d in docs] == [
                (NOTICE, 1, SUPERSEDED),
                (NOTICE, 2, "issued"),
            ]
            assert old.superseded_by == second_id and "readdressed" in (old.status_reason or "")
        now = supervisor.get(f"/cases/{cid}/notice").text
        assert "Phạm Minh Tâm" in now and second_number in now, "the new version is in force"
        kept = supervisor.get(f"/documents/{old.id}.pdf")
        assert kept.content == issued.content, "the superseded notice is kept as issued"

        with env.store.sessions.begin() as s:
            _, decision = actions.record_fine(
                s,
                lan,
                cid,
                None,
                rules,
                store,
                seen=s.get(Case, cid).version,
                signer="Trung tá Lê Văn Hòa, Trưởng phòng",
            )
            assert decision.kind == DECISION and "QĐ" in decision.number
        with env.store.sessions() as s:
            row = s.scalars(select(IssuedDocument).where(IssuedDocument.kind == DECISION)).one()
            text = issued_documents.read(store, row, "html").decode()
        assert "Trung tá Lê Văn Hòa" in text and row.number in text and "Phạm Minh Tâm" in text
    finally:
        env.close()
