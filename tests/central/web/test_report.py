"""The weekly report page: the funnel drawn as SVG, CSV download, and the cached report that is
shown at once after a change (marked as being updated) while the new one is made behind."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import select

from central.db import Case
from central.notices import LOCAL_TZ
from central.web.charts import funnel, sparkline
from tests.fixtures.browser import WebEnv, csrf_of


def _this_week() -> str:
    year, week, _ = datetime.now(LOCAL_TZ).isocalendar()
    return f"{year}-W{week:02d}"


def test_charts_are_plain_svg_scaled_to_the_largest_value() -> None:
    spark = sparkline([0, 2, 4], "4 vi phạm")
    assert spark.startswith('<svg class="sparkline"') and 'aria-label="4 vi phạm"' in spark
    assert 'height="26.0"' in spark and 'height="13.0"' in spark and 'height="0.0"' in spark
    chart = funnel([("Phát hiện", 10, "10"), ("Đã nộp <phạt>", 5, "5")])
    assert "Đã nộp &lt;phạt&gt;" in chart and "50.0 %" in chart


def test_report_after_a_change_shows_the_last_figures_then_the_new_ones(web_env: WebEnv) -> None:
    supervisor = web_env.client("supervisor")
    first = supervisor.get("/report").text
    assert 'class="funnel"' in first and "report-updating" not in first
    token = csrf_of(supervisor.get("/review").text)
    with web_env.store.sessions() as s:
        cid = s.scalars(select(Case.id).where(Case.state == "review")).first()
    form = {"reason": "evidence_unclear", "csrf": token, "version": web_env.version(cid)}
    rejected = supervisor.post(f"/cases/{cid}/reject", data=form)
    assert rejected.status_code == 303
    stale = supervisor.get("/report").text
    assert 'id="report-updating"' in stale and 'http-equiv="refresh"' in stale
    csv = supervisor.get(f"/report.csv?week={_this_week()}").text
    total = next(line for line in csv.splitlines() if ",TỔNG," in line and _this_week() in line)
    assert total.split(",")[6] == "1", f"the CSV is exact at once: {total}"
    deadline = time.monotonic() + 20
    while "report-updating" in (page := supervisor.get("/report").text):
        assert time.monotonic() < deadline, "the report was never refreshed"
        time.sleep(0.1)
    assert 'data-field="rejected">1<' in page
    assert supervisor.get("/report?week=2026-W99").status_code == 404
    assert supervisor.get("/api/report?week=0000-W00").status_code == 422
