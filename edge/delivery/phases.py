"""Which signal-controller phase messages an edge believes: signed, new, recent, its own.

The red light a vehicle is judged by must come from the controller itself. The broker is a
relay anyone with a password may write to (the ACL narrows that; this does not rely on it), so
every phase message is checked here before the rule sees it:
- signed by one of the intersection's registered controller keys (`signal_controllers`);
- for the camera's intersection (the topic and the message must agree);
- new: its `seq` is above the last one believed from that key (a replayed message is refused);
- recent: sent within `max_age_s` of the box's clock, and not from the future beyond it (an old
  retained message is refused; controllers repeat their phase at least that often).
A refused message is counted and logged, and changes nothing; the feed then reads `unknown`
once the last believed message is older than `max_age_s` (see `edge.pipeline.signal`), so a
silenced or forged feed can never make a red, only no violation.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from common.config.signal import SignalControllerConfig
from common.signing import load_public_keys
from common.topics import SignalPhase

log = logging.getLogger(__name__)
_LOG_EVERY_S = 60.0  # refusals are all counted; logged at most once a minute per reason


@dataclass(frozen=True)
class Admitted:
    phase: SignalPhase
    key_id: str  # the controller key that vouched for it (recorded in the evidence)


class PhaseGate:
    """Checks phase messages for one intersection; thread-safe (called on the MQTT thread)."""

    def __init__(
        self,
        controller: SignalControllerConfig,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.intersection = controller.intersection
        self.max_age_s = controller.max_age_s
        self.keys = load_public_keys(controller.public_keys)
        self.clock = clock
        self.refused: dict[str, int] = {}
        self._last_seq: dict[str, int] = {}
        self._logged: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def refused_total(self) -> int:
        with self._lock:
            return sum(self.refused.values())

    def admit(self, phase: SignalPhase) -> Admitted | None:
        """The message if it is to be believed, else None (counted and logged)."""
        signer = phase.signer(self.keys)
        now = self.clock()
        age = (now - phase.sent_at).total_seconds()
        with self._lock:
            if signer is None:
                why = "unsigned" if phase.signature is None else "not signed by its controller"
            elif phase.intersection != self.intersection:
                why = f"for intersection {phase.intersection}, not {self.intersection}"
            elif phase.seq <= self._last_seq.get(signer, -1):
                why = f"replayed (seq {phase.seq}, last believed {self._last_seq[signer]})"
            elif age > self.max_age_s:
                why = f"stale (sent {age:.1f} s ago, at most {self.max_age_s:g} s)"
            elif age < -self.max_age_s:
                why = f"from the future (sent {-age:.1f} s ahead of this box's clock)"
            else:
                self._last_seq[signer] = phase.seq
                return Admitted(phase, signer)
            kind = why.split(" ")[0]
            self.refused[kind] = self.refused.get(kind, 0) + 1
            last = self._logged.get(kind)
            if last is None or now.timestamp() - last >= _LOG_EVERY_S:
                self._logged[kind] = now.timestamp()
                log.warning(
                    "signal phase for %s ignored: %s (%d %s so far); only believed messages"
                    " set the signal, which reads unknown when none is recent",
                    self.intersection, why, self.refused[kind], kind,
                )  # fmt: skip
        return None
