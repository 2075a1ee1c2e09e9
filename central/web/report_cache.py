"""Weekly reports for the page without making anyone wait for them.

`central.reports.weekly_report` reads every transition up to the week's end (its lifetime
funnel): about 2 s at 100,000 cases. The figures only change when a case or a transition is
added, so a report is kept with the data version it was made from (the newest ids: two index
look-ups). The page takes `get(..., fresh=False)`: an up-to-date report at once, or the last one
made for that week at once while a background thread makes the new one (the page says when its
figures are from); CSV and API exports take `fresh=True` and wait for exact figures.

Reports are computed on their own SQLite engine with deferred transactions: in WAL mode such a
reader sees one consistent snapshot and never holds the write lock (central.db's engine begins
every transaction IMMEDIATE, which would stall the collector for the whole computation).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from central.db import Case, Transition
from central.reports import WeeklyReport, weekly_report
from central.store import Store

log = logging.getLogger(__name__)
Version = tuple[int | None, int | None]


@dataclass(frozen=True)
class Cached:
    report: WeeklyReport
    version: Version
    made_at: datetime
    stale: bool = False  # a newer one is being made


def reader_engine(store: Store) -> Engine:
    """An engine for long reads: SQLite without BEGIN IMMEDIATE; otherwise the store's own."""
    if store.dialect != "sqlite":
        return store.engine
    engine = create_engine(store.url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's begin event says BEGIN itself

    @event.listens_for(engine, "begin")
    def _deferred(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN DEFERRED")  # one snapshot for all the report's queries

    return engine


class ReportCache:
    def __init__(self, store: Store, size: int = 16) -> None:
        self.size = size
        self._engine = reader_engine(store)
        self._own_engine = self._engine is not store.engine
        self._sessions = sessionmaker(self._engine)
        self._items: OrderedDict[str, Cached] = OrderedDict()
        self._lock = threading.Lock()
        self._refreshing: set[str] = set()

    @staticmethod
    def version(db: Session) -> Version:
        newest_move = db.scalar(select(func.max(Transition.id)))
        return newest_move, db.scalar(select(func.max(Case.id)))

    def _make(self, week: str, cameras: dict[str, str]) -> Cached:
        with self._sessions() as s, s.begin():
            version = self.version(s)  # the same snapshot as the report
            report = weekly_report(s, week, cameras=cameras)
        cached = Cached(report, version, datetime.now(UTC))
        with self._lock:
            old = self._items.get(week)
            if old is None or (old.version, old.made_at) <= (version, cached.made_at):
                self._items[week] = cached
                self._items.move_to_end(week)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return cached

    def _refresh(self, week: str, cameras: dict[str, str]) -> None:
        try:
            self._make(week, cameras)
        except Exception:  # the page keeps showing the last report; the next visit retries
            log.exception("weekly report %s could not be refreshed", week)
        finally:
            with self._lock:
                self._refreshing.discard(week)

    def get(self, db: Session, week: str, cameras: dict[str, str], *, fresh: bool) -> Cached:
        """The report of `week` (ReportError for a bad week). Not `fresh`: possibly the last
        one made, marked stale, while a newer one is made in the background."""
        current = self.version(db)
        with self._lock:
            cached = self._items.get(week)
            if cached is not None and cached.version == current:
                self._items.move_to_end(week)
                return cached
            if cached is not None and not fresh:
                if week not in self._refreshing:
                    self._refreshing.add(week)
                    threading.Thread(
                        target=self._refresh, args=(week, cameras), daemon=True
                    ).start()
                return Cached(cached.report, cached.version, cached.made_at, stale=True)
        return self._make(week, cameras)

    def warm(self, week: str, cameras: dict[str, str]) -> None:
        """Make `week`'s report in the background (at start: the first visitor finds it)."""
        with self._lock:
            if week in self._refreshing:
                return
            self._refreshing.add(week)
        threading.Thread(target=self._refresh, args=(week, cameras), daemon=True).start()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def close(self) -> None:
        if self._own_engine:
            self._engine.dispose()
