"""The MQTT wire contract between the edge and the central service: topics and small messages.

Both sides import this, so a topic or field changes in one place. Pure Python and pydantic
only (no paho, no computer vision), so the central service installs without the edge extras.

Topics are `dendo/v1/<camera>/<kind>` for a camera's traffic and `dendo/v1/signals/<intersection>`
for signal-controller phases. The evidence bundle itself (`violation`) is raw ZIP bytes (see
`common.bundle`); everything else here is JSON with a `schema` field. Times on the wire are
UTC with milliseconds, like the manifest: `2026-11-22T07:15:03.120Z`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
)

from common.manifest import Sha256, first_error, utc_ms
from common.signing import Ed25519PrivateKey, Ed25519PublicKey, key_id, sign, verify
from common.strict import IDENT_RE, Ident

PREFIX = "dendo/v1"
KINDS = ("violation", "status", "heartbeat", "receipt")
SIGNALS = "signals"  # the second level of signal topics; never a camera id
CENTRAL_SUBSCRIPTION = f"$share/central/{PREFIX}/+/violation"
ONLINE = b"online"
OFFLINE = b"offline"

_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _level(value: str, what: str) -> str:
    """One topic level: a plain identifier, so no '/', '+', '#' or '$' can change the topic."""
    if not IDENT_RE.fullmatch(value):
        raise ValueError(f"{what} {value!r} is not a plain identifier (letters, digits, _ . -)")
    return value


def _camera_topic(camera_id: str, kind: str) -> str:
    _level(camera_id, "camera id")
    if camera_id == SIGNALS:
        raise ValueError(f"camera id {SIGNALS!r} is reserved for signal-phase topics")
    return f"{PREFIX}/{camera_id}/{kind}"


def violation_topic(camera_id: str) -> str:
    """Edge → central, QoS 1: one evidence bundle (ZIP bytes) per message."""
    return _camera_topic(camera_id, "violation")


def status_topic(camera_id: str) -> str:
    """Edge → anyone, QoS 1 retained: `online`, or `offline` (also the last will)."""
    return _camera_topic(camera_id, "status")


def heartbeat_topic(camera_id: str) -> str:
    """Edge → central, QoS 0: a `Heartbeat` every few seconds."""
    return _camera_topic(camera_id, "heartbeat")


def receipt_topic(camera_id: str) -> str:
    """Central → edge, QoS 1: a `Receipt` once the bundle is committed (or quarantined)."""
    return _camera_topic(camera_id, "receipt")


def signal_topic(intersection: str) -> str:
    """Signal controller → edge: `SignalPhase` messages for one intersection."""
    _level(intersection, "intersection")
    if intersection in KINDS:
        # dendo/v1/signals/violation would match the central subscription dendo/v1/+/violation
        raise ValueError(f"intersection {intersection!r} collides with a camera topic kind")
    return f"{PREFIX}/{SIGNALS}/{intersection}"


def camera_of(topic: str) -> str:
    """The camera id in a `dendo/v1/<camera>/<kind>` topic (ValueError for any other topic)."""
    parts = topic.split("/")
    if (
        len(parts) != 4
        or "/".join(parts[:2]) != PREFIX
        or parts[3] not in KINDS
        or parts[2] == SIGNALS
        or not IDENT_RE.fullmatch(parts[2])
    ):
        raise ValueError(f"{topic!r} is not a dendo/v1/<camera>/<kind> topic")
    return parts[2]


# --- messages --------------------------------------------------------------------------------


def _to_utc(moment: datetime) -> datetime:
    """UTC, truncated to the millisecond the wire carries, so a message survives a round trip."""
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


UtcTime = Annotated[
    AwareDatetime,  # naive times are refused: an edge box's local clock zone is not evidence
    AfterValidator(_to_utc),
    PlainSerializer(utc_ms, return_type=str, when_used="json"),
]
Count = Annotated[int, Field(ge=0)]


class _Message(BaseModel):
    """A JSON message with a fixed `schema` tag; bytes in and out, ValueError on bad input."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    SCHEMA: ClassVar[str]

    def to_bytes(self) -> bytes:
        """Compact UTF-8 JSON, as sent on the wire."""
        obj = self.model_dump(mode="json", by_alias=True)
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes | bytearray) -> Self:
        """Parse a received payload; ValueError that says what is wrong, never anything else."""
        raw = bytes(data)
        try:
            obj: Any = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ValueError(f"{cls.SCHEMA} message is not UTF-8") from None
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"{cls.SCHEMA} message is not JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise ValueError(f"{cls.SCHEMA} message is not a JSON object")
        if obj.get("schema") != cls.SCHEMA:
            raise ValueError(f"schema is {obj.get('schema')!r}, expected {cls.SCHEMA!r}")
        try:
            return cls.model_validate_json(raw, strict=True)
        except ValidationError as exc:
            raise ValueError(f"invalid {cls.SCHEMA} message: {first_error(exc)}") from None


class _Signed(_Message):
    """A message that is believed only when the key that owns its kind signed it.

    The Ed25519 signature covers the message's canonical JSON without `signature` (keys sorted,
    no spaces, UTF-8), its `schema` included, so a signature of one kind of message can never
    pass for another. `key_id` names the signing key, so keys can be rotated: the receiver
    holds several public keys and picks by id."""

    key_id: str | None = Field(None, pattern=r"^[0-9a-f]{16}$")
    signature: str | None = Field(None, max_length=100)  # base64 of the 64-byte signature

    def signed_bytes(self) -> bytes:
        obj = self.model_dump(mode="json", by_alias=True, exclude={"signature"})
        text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8")

    def signed_with(self, key: Ed25519PrivateKey) -> Self:
        """This message with `key_id` and `signature` set by `key`."""
        unsigned = self.model_copy(update={"key_id": key_id(key), "signature": None})
        signature = base64.b64encode(sign(key, unsigned.signed_bytes())).decode("ascii")
        return unsigned.model_copy(update={"signature": signature})

    def signer(self, keys: Mapping[str, Ed25519PublicKey]) -> str | None:
        """The id of the key in `keys` whose signature this is; None when unsigned, signed by
        an unknown key or not verified. Never raises."""
        if self.key_id is None or self.signature is None or self.key_id not in keys:
            return None
        try:
            raw = base64.b64decode(self.signature, validate=True)
        except (binascii.Error, ValueError):
            return None
        return self.key_id if verify(keys[self.key_id], self.signed_bytes(), raw) else None


class Receipt(_Signed):
    """Central → edge: the bundle with this id and these exact bytes is safe at the centre.

    Signed by the central service's receipt key: an edge forgets a bundle only on a receipt
    that verifies, for that id and that sha256."""

    SCHEMA: ClassVar[str] = "dendo.receipt/2"
    schema_: Literal["dendo.receipt/2"] = Field("dendo.receipt/2", alias="schema")
    violation_id: str = Field(pattern=_UUID)
    camera_id: Ident
    sha256: Sha256  # of the ZIP bytes received: the edge only forgets a bundle that arrived whole
    status: Literal["stored", "duplicate", "quarantined"]
    reason: str | None = Field(None, max_length=500)  # why quarantined
    at: UtcTime


class Heartbeat(_Message):
    """Edge → central: is the camera worker alive, keeping up, and is anything piling up."""

    SCHEMA: ClassVar[str] = "dendo.heartbeat/1"
    schema_: Literal["dendo.heartbeat/1"] = Field("dendo.heartbeat/1", alias="schema")
    camera_id: Ident
    at: UtcTime
    frames_in: Count = 0
    frames_processed: Count = 0
    frames_dropped: Count = 0
    frames_corrupt: Count = 0
    reconnects: Count = 0  # of the camera stream
    connected: bool  # to the MQTT broker (true whenever the heartbeat arrives, false in a log)
    outbox_depth: Count
    outbox_bytes: Count
    outbox_evicted: Count
    outbox_held: Count = 0  # quarantined by the centre: kept aside until an operator acts
    receipts_refused: Count = 0  # unsigned or wrongly signed receipts, ignored
    signals_refused: Count = 0  # unsigned, wrongly signed, stale or replayed phases, ignored
    last_violation_at: UtcTime | None = None
    # Keeping up (edge.delivery.load): over the last minute, the share of frames the reader
    # dropped (its queue full) and the worker shed (idle frames), the worker's CPU in cores.
    frames_shed: Count = 0
    drop_ratio: float = Field(0.0, ge=0, le=1)
    shed_ratio: float = Field(0.0, ge=0, le=1)
    cpu_cores: float = Field(0.0, ge=0, le=4096)
    overloaded: bool = False
    frames_failed: Count = 0  # frames the pipeline raised on: skipped, counted
    bundles_failed: Count = 0  # violations kept in the edge's dead-letter folder, no bundle


class SignalPhase(_Signed):
    """Signal controller → edge: the state of one phase of an intersection's signal plan.

    Signed by the intersection's controller key; `seq` grows with every message the controller
    sends (an old message replayed is refused), and `sent_at` must be recent (an old retained
    message is refused): see edge.delivery.phases."""

    SCHEMA: ClassVar[str] = "dendo.signal/2"
    schema_: Literal["dendo.signal/2"] = Field("dendo.signal/2", alias="schema")
    intersection: Ident
    phase: int = Field(ge=1)
    state: Literal["red", "amber", "green", "unknown"]
    since: UtcTime  # when this state began (time into red is measured from here)
    sent_at: UtcTime
    seq: int = Field(ge=0, le=2**63 - 1)
