"""For signal-controller integrators: sign the phase messages an edge box will believe.

A controller (or the gateway beside it) holds an Ed25519 key made with `dendo-edge keygen`;
its public half is registered for the intersection in the city's camera config
(`signal_controllers`). It publishes, retained, on `dendo/v1/signals/<intersection>`, the
state of each phase at every change and again at least every `max_age_s` (10 s by default):

    signer = PhaseSigner(load_private_key("/etc/dendo/controller.key.pem"), "ap-bac-nguyen-trai")
    client.publish(signal_topic("ap-bac-nguyen-trai"), signer.message(2, "red", since), 1, True)

Each message carries a sequence number that only grows: by default the microseconds since the
Unix epoch at signing, so it keeps growing across restarts of the controller with no state to
keep (the controller's clock must not step backwards; NTP slews).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Literal

from common.signing import Ed25519PrivateKey
from common.topics import SignalPhase

State = Literal["red", "amber", "green", "unknown"]


class PhaseSigner:
    """Makes signed `dendo.signal/2` messages for one intersection."""

    def __init__(self, key: Ed25519PrivateKey, intersection: str) -> None:
        self.key, self.intersection = key, intersection
        self._last_seq = -1

    def phase(
        self, phase: int, state: State, since: datetime, sent_at: datetime | None = None
    ) -> SignalPhase:
        """The signed message: `phase` is in `state` since `since` (aware datetimes)."""
        seq = max(self._last_seq + 1, time.time_ns() // 1000)
        self._last_seq = seq
        message = SignalPhase(
            intersection=self.intersection,
            phase=phase,
            state=state,
            since=since,
            sent_at=sent_at or datetime.now(UTC),
            seq=seq,
        )
        return message.signed_with(self.key)

    def message(
        self, phase: int, state: State, since: datetime, sent_at: datetime | None = None
    ) -> bytes:
        """The same, as the bytes to publish."""
        return self.phase(phase, state, since, sent_at).to_bytes()
