"""Property tests of the ingest: whatever bytes arrive, nothing escapes as an exception and every
new input leaves exactly one row, a stored bundle or a quarantine entry with a reason."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from typing import Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from central.db import Bundle, Quarantined
from central.ingest import Ingestor
from central.keys import KeyRing, register_key
from central.store import open_store
from common.config.city import load_config
from common.reasons import QuarantineReason
from tests.paths import REPO
from tests.servers.central_collector import BOX, CAMERA, T0, BundleMaker, key_file

CAMERAS = load_config(REPO / "configs" / "cameras.yaml")
TOPIC = f"dendo/v1/{CAMERA}/violation"
MAKER = BundleMaker()
VALID = [MAKER.make()[1] for _ in range(3)]
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=SLOW)


class Checker:
    """One ingest target for all examples: a new sha256 must add exactly one row."""

    def __init__(self, ingestor: Ingestor) -> None:
        self.ingestor = ingestor
        self.seen: set[str] = set()

    def rows(self) -> tuple[int, int]:
        with self.ingestor.store.sessions() as s:
            bundles = s.scalar(select(func.count()).select_from(Bundle))
            quarantined = s.scalar(select(func.count()).select_from(Quarantined))
        assert bundles is not None and quarantined is not None  # count(*) is never NULL
        return bundles, quarantined

    def check(self, data: bytes, topic: str | None = TOPIC) -> None:
        before = self.rows()
        receipt = self.ingestor.ingest(data, topic)  # must never raise
        after = self.rows()
        new_bundles, new_quarantined = after[0] - before[0], after[1] - before[1]
        sha = hashlib.sha256(data).hexdigest()
        if sha in self.seen:
            assert (new_bundles, new_quarantined) == (0, 0), "a repeat added rows"
        else:
            assert new_bundles + new_quarantined == 1, (
                f"{len(data)} bytes added {new_bundles} bundle(s) and {new_quarantined}"
                f" quarantine row(s); expected exactly one row (receipt {receipt})"
            )
        self.seen.add(sha)
        if receipt is not None:
            assert receipt.sha256 == sha
            expected = "stored" if new_bundles else ("quarantined", "duplicate")
            assert receipt.status in expected, f"receipt {receipt.status} but rows {after}"
        if new_quarantined:
            with self.ingestor.store.sessions() as s:
                row = s.scalars(select(Quarantined).order_by(Quarantined.id.desc())).first()
                assert row is not None
                assert row.reason_code in set(QuarantineReason) and row.reason, row
                assert row.payload == data, "quarantine must keep the original bytes"


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checker]:
    """One store for every example of the module (a new sha256 must still add one row)."""
    tmp = tmp_path_factory.mktemp("prop")
    store = open_store(f"sqlite:///{tmp}/central.db", tmp / "ev", fsync=False)
    register_key(store.sessions, BOX, key_file(tmp))
    ring = KeyRing(store.sessions, CAMERAS)
    yield Checker(Ingestor(store, ring, clock=lambda: T0 + timedelta(hours=1)))
    store.close()


def renamed(data: bytes, index: int, new_name: bytes) -> bytes:
    """Rename one member in the raw bytes (local header and central directory alike)."""
    try:
        names = [i.filename.encode() for i in zipfile.ZipFile(io.BytesIO(data)).infolist()]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return data  # an earlier mutation broke the archive already
    if not names:
        return data
    old = names[index % len(names)]
    new = (new_name + old)[: len(old)]  # same length: offsets stay valid
    return data.replace(old, new)


mutation = st.one_of(
    st.tuples(st.just("flip"), st.lists(st.integers(0, 10**6), min_size=1, max_size=4)),
    st.tuples(st.just("cut"), st.integers(0, 10**6)),
    st.tuples(st.just("rename"), st.tuples(st.integers(0, 7), st.binary(min_size=1, max_size=8))),
    st.tuples(st.just("append"), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("prepend"), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("zero"), st.tuples(st.integers(0, 10**6), st.integers(1, 400))),
)


# What `mutation` draws: a kind and its argument.
Mutation = (
    tuple[Literal["flip"], list[int]]
    | tuple[Literal["cut"], int]
    | tuple[Literal["rename"], tuple[int, bytes]]
    | tuple[Literal["append"], bytes]
    | tuple[Literal["prepend"], bytes]
    | tuple[Literal["zero"], tuple[int, int]]
)


def mutate(data: bytes, how: Mutation) -> bytes:
    if how[0] == "flip":
        out = bytearray(data)
        for pos in how[1]:
            out[pos % len(out)] ^= 1 << (pos % 8)
        return bytes(out)
    if how[0] == "cut":
        return data[: how[1] % len(data)]
    if how[0] == "rename":
        return renamed(data, *how[1])
    if how[0] == "append":
        return data + how[1]
    if how[0] == "prepend":
        return how[1] + data
    start, length = how[1]
    start %= len(data)
    return data[:start] + bytes(min(length, len(data) - start)) + data[start + length :]


@SETTINGS
@given(st.binary(max_size=4096), st.sampled_from([TOPIC, None, "dendo/v1/MT-08/violation"]))
def test_arbitrary_bytes_never_raise_and_each_is_kept_once(
    checker: Checker, data: bytes, topic: str | None
) -> None:
    checker.check(data, topic)
    checker.check(data, topic)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(range(len(VALID))), st.lists(mutation, max_size=3)),
                min_size=1, max_size=6))  # fmt: skip
def test_mutated_bundles_are_either_stored_or_quarantined_never_lost(
    checker: Checker, plan: list[tuple[int, list[Mutation]]]
) -> None:
    for index, mutations in plan:
        data = VALID[index]
        for how in mutations:
            data = mutate(data, how) if data else data
        checker.check(data)
