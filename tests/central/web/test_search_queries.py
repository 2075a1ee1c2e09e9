"""The case lists' search on SQLite and PostgreSQL: a plate found by any fragment, with or
without its separators, and not by a fragment it does not contain; a camera named in any case;
a date range in Mỹ Tho days; each filter; every sortable column in both directions; the review
queue handing out the oldest unclaimed case within its filter; and migration 0011's indexes,
up and down."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from central import case_claims
from central.db import CONFIRMED, PAID, REVIEW, Case
from central.store import alembic_config, open_store
from central.web.case_search import SORTS, CaseFilter, camera_ids, parse
from central.web.queries import case_list, next_unclaimed, queue_neighbours, review_queue
from tests.central.test_cases import add_case

T = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)  # 10:00 in Mỹ Tho
# plate, camera, hours after T, state, vehicle, confidence
ROWS: tuple[tuple[str | None, str, float, str, str, float | None], ...] = (
    ("51K-678.90", "MT-01", 0, REVIEW, "car", 0.62),
    ("51K-123.45", "MT-01", 1, REVIEW, "car", 0.97),
    ("63A-678.09", "MT-02", 2, CONFIRMED, "car", 0.91),
    ("59-D2 064.28", "MT-02", 3, REVIEW, "motorcycle", 0.55),
    ("63-B1 234.56", "MT-03", 30, PAID, "motorcycle", 0.99),
    (None, "MT-03", 31, REVIEW, "motorcycle", None),
)
PLATES = [r[0] for r in ROWS]


def seed(engine: Engine) -> Engine:
    with Session(engine) as s, s.begin():
        for plate, camera, hours, state, vehicle, conf in ROWS:
            case = add_case(s, plate, camera, T + timedelta(hours=hours), vehicle)
            case.state, case.plate_confidence = state, conf
            case.seconds_into_red = 1.0 + hours / 10
    return engine


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """ROWS in a fresh database of each kind, shared by the tests that only read."""
    directory = tmp_path_factory.mktemp("search")
    url = f"sqlite:///{directory / 'central.db'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_cluster").create_database()
    store = open_store(url, directory / "evidence", fsync=False)
    yield seed(store.engine)
    store.close()


def plates_of(engine: Engine, f: CaseFilter) -> list[str | None]:
    with Session(engine) as s:
        return [c.plate_text for c in case_list(s, 1, 50, f).items]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("51K", {"51K-678.90", "51K-123.45"}),
        ("51k", {"51K-678.90", "51K-123.45"}),
        ("678.90", {"51K-678.90"}),
        ("67890", {"51K-678.90"}),
        ("51K-678", {"51K-678.90"}),
        ("k6789", {"51K-678.90"}),  # across the separator
        ("678", {"51K-678.90", "63A-678.09"}),
        ("59-D2", {"59-D2 064.28"}),
        ("D2 064", {"59-D2 064.28"}),
        ("d2064.28", {"59-D2 064.28"}),
        ("678.09", {"63A-678.09"}),  # must not match 51K-678.90
        ("51K-9", set()),
        ("99999", set()),
    ],
)
def test_a_plate_is_found_by_any_fragment_with_or_without_separators(
    seeded: Engine, typed: str, found: set[str]
) -> None:
    f = parse({"plate": typed}, [], []).filter
    got = {p for p in plates_of(seeded, f) if p}
    assert got == found, f"plate fragment {typed!r} found {sorted(got)}, not {sorted(found)}"
    in_review = {p for p, r in zip(PLATES, ROWS, strict=True) if p in found and r[3] == REVIEW}
    with Session(seeded) as s:  # within one state (the queue): the other query form
        queue = {c.plate_text for c in review_queue(s, 1, 50, f).items}
    assert queue == in_review, f"{typed!r} in the review queue found {sorted(queue)}"


def test_a_fragment_without_a_letter_or_digit_is_reported_not_used() -> None:
    parsed = parse({"plate": " -.- "}, [], [])
    assert parsed.filter.plate == "" and parsed.errors[0][0] == "lists.err.plate"


@pytest.mark.parametrize("typed", ["MT-02", "mt-02", " Mt-02 "])
def test_a_camera_is_named_in_any_case(seeded: Engine, typed: str) -> None:
    with Session(seeded) as s:
        known = camera_ids(s, {"MT-48": "configured, no case yet"})
    assert known == ["MT-01", "MT-02", "MT-03", "MT-48"], f"cameras offered: {known}"
    f = parse({"camera": typed}, known, []).filter
    assert f.camera == "MT-02"
    assert set(plates_of(seeded, f)) == {"63A-678.09", "59-D2 064.28"}


def test_an_unknown_camera_is_reported_and_left_out() -> None:
    parsed = parse({"camera": "MT-99"}, ["MT-01"], [])
    assert parsed.filter.camera == "" and parsed.errors == [
        ("lists.err.camera", {"value": "MT-99"})
    ]


@pytest.mark.parametrize(
    ("since", "until", "found"),
    [
        ("04/12/2026", "04/12/2026", PLATES[:4]),  # 10:00-13:00 local on the 4th
        ("05/12/2026", "", PLATES[4:]),  # T+30 h = 16:00 on the 5th
        ("", "4/12/2026", PLATES[:4]),
        ("2026-12-05", "2026-12-05", PLATES[4:]),  # ISO, as the API sends it
        ("06/12/2026", "", []),
    ],
)
def test_a_date_range_is_of_whole_days_in_my_tho(
    seeded: Engine, since: str, until: str, found: list[str | None]
) -> None:
    f = parse({"from": since, "to": until}, [], []).filter
    assert set(plates_of(seeded, f)) == set(found), f"{since}–{until}"


def test_a_day_ends_at_midnight_in_my_tho_not_in_utc(engine: Engine) -> None:
    late = datetime(2026, 12, 4, 16, 59, tzinfo=UTC)  # 23:59 on the 4th in Mỹ Tho
    with Session(engine) as s, s.begin():
        add_case(s, "51K-111.11", at=late)
        add_case(s, "51K-222.22", at=late + timedelta(minutes=1))  # 00:00 on the 5th
    f = CaseFilter(date_from=date(2026, 12, 4), date_to=date(2026, 12, 4))
    assert plates_of(engine, f) == ["51K-111.11"]


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"from": "31/02/2026"}, ["lists.err.date"]),
        ({"from": "12-2026"}, ["lists.err.date"]),
        ({"from": "01/01/1900"}, ["lists.err.date"]),
        ({"from": "05/12/2026", "to": "04/12/2026"}, ["lists.err.range"]),
        ({"conf": "abc"}, ["lists.err.conf"]),
        ({"conf": "120"}, ["lists.err.conf"]),
        ({"state": "nonsense"}, ["lists.err.state"]),
        ({"vehicle": "tank"}, ["lists.err.vehicle"]),
    ],
)
def test_what_cannot_be_used_is_reported(values: dict[str, str], errors: list[str]) -> None:
    parsed = parse(values, [], ["car"])
    assert [key for key, _ in parsed.errors] == errors, f"{values}: {parsed.errors}"


@pytest.mark.parametrize(
    ("values", "found"),
    [
        ({"state": REVIEW}, [p for p, r in zip(PLATES, ROWS, strict=True) if r[3] == REVIEW]),
        ({"vehicle": "motorcycle"}, ["59-D2 064.28", "63-B1 234.56", None]),
        ({"unread": "1"}, [None]),
        ({"conf": "90"}, ["51K-678.90", "59-D2 064.28"]),  # below 90 %; unread has none
        ({"conf": "91,5"}, ["51K-678.90", "63A-678.09", "59-D2 064.28"]),
        ({"state": REVIEW, "vehicle": "car", "conf": "70"}, ["51K-678.90"]),
        ({"plate": "51K", "camera": "MT-01", "from": "04/12/2026"}, ["51K-678.90", "51K-123.45"]),
    ],
)
def test_each_filter_and_their_combination(
    seeded: Engine, values: dict[str, str], found: list[str | None]
) -> None:
    f = parse(values, ["MT-01", "MT-02", "MT-03"], ["car", "motorcycle"]).filter
    got = plates_of(seeded, f)
    assert sorted(got, key=str) == sorted(found, key=str), f"{values} found {got}"


def _key(key: str, row: tuple[Any, ...], case_id: int) -> tuple[Any, ...]:
    plate, camera, hours, state, vehicle, conf = row
    value = {
        "id": case_id,
        "crossed": hours,
        "camera": (camera, hours),
        "plate": ((plate or "").replace("-", "").replace(".", "").replace(" ", ""), camera),
        "vehicle": (vehicle, hours),
        "into_red": 1.0 + hours / 10,
        "confidence": conf,
        "state": (state, hours),
    }[key]
    return (value, case_id)


@pytest.mark.parametrize("desc", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize(
    "key", ["id", "crossed", "camera", "plate", "vehicle", "into_red", "confidence", "state"]
)
def test_every_column_sorts_both_ways(seeded: Engine, key: str, desc: bool) -> None:
    with Session(seeded) as s:
        ids = list(s.scalars(select(Case.id).order_by(Case.id)))
        got = [c.id for c in case_list(s, 1, 50, CaseFilter(sort=key, desc=desc)).items]
    rows = dict(zip(ids, ROWS, strict=True))
    if key in ("confidence", "plate"):  # NULLs: first ascending on SQLite, last on PostgreSQL
        got = [i for i in got if ROWS[ids.index(i)][0] is not None]
        rows = {i: r for i, r in rows.items() if r[0] is not None}
    want = sorted(rows, key=lambda i: _key(key, rows[i], i), reverse=desc)
    assert got == want, f"sorted by {key} {'desc' if desc else 'asc'}: {got}, expected {want}"


def test_the_other_sorts_run_and_keep_every_case(seeded: Engine) -> None:
    with Session(seeded) as s:
        for key in ("notice", "deadline", "fine"):
            found = case_list(s, 1, 50, CaseFilter(sort=key))
            assert found.total == len(ROWS) and len(found.items) == len(ROWS), key
    assert set(SORTS) >= {"notice", "deadline", "fine"}


def test_the_filtered_queue_hands_out_the_oldest_unclaimed_match(engine: Engine) -> None:
    seeded = seed(engine)  # claims are written: a database of its own
    now = datetime.now(UTC)
    cars = CaseFilter(vehicle="car")
    with Session(seeded) as s, s.begin():
        first = next_unclaimed(s, "lan.nguyen", now, filt=cars)
        assert first is not None and first.plate_text == "51K-678.90"
        case_claims.claim(s, first.id, "lan.nguyen")
        held = first.id
    with Session(seeded) as s:
        first = s.get_one(Case, held)
        other = next_unclaimed(s, "tuan.pham", now, filt=cars)
        assert other is not None and other.plate_text == "51K-123.45", "held case handed out"
        bikes = next_unclaimed(s, "tuan.pham", now, filt=CaseFilter(vehicle="motorcycle"))
        assert bikes is not None and bikes.plate_text == "59-D2 064.28"
        assert next_unclaimed(s, "tuan.pham", now, filt=CaseFilter(plate="63A")) is None, (
            "63A-678.09 is confirmed, not in the queue"
        )
        prev, nxt = queue_neighbours(s, other, "tuan.pham", now, CaseFilter(vehicle="car"))
        assert (prev, nxt) == (None, None), "the car before is held, none after among cars"
        prev, nxt = queue_neighbours(s, first, "lan.nguyen", now, CaseFilter(vehicle="car"))
        assert (prev, nxt) == (None, other.id)
        queue = review_queue(s, 1, 50, CaseFilter(camera="MT-02", state=PAID))
        assert [c.plate_text for c in queue.items] == ["59-D2 064.28"], "a queue is in review"


SEARCH_INDEXES = {
    "ix_cases_vehicle_crossed",
    "ix_cases_into_red",
    "ix_cases_plate_confidence",
    "ix_cases_deadline_at",
    "ix_cases_fine_vnd",
}


def test_migration_0011_adds_the_search_indexes_on_both_databases(
    store_url: str, tmp_path: Path
) -> None:
    with open_store(store_url, tmp_path / "evidence", fsync=False) as store:
        names = {i["name"] for i in inspect(store.engine).get_indexes("cases")}
        assert SEARCH_INDEXES <= names, f"missing: {SEARCH_INDEXES - names}"
        with store.engine.begin() as conn:
            cfg = alembic_config(store_url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0010")
        after = {i["name"] for i in inspect(store.engine).get_indexes("cases")}
        assert not SEARCH_INDEXES & after, "downgrade drops the search indexes"
        with store.engine.begin() as conn:
            cfg = alembic_config(store_url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0011")
        again = {i["name"] for i in inspect(store.engine).get_indexes("cases")}
        assert SEARCH_INDEXES <= again, "upgrade after downgrade"
