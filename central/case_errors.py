"""Why a case move was refused, as values the page can explain in the officer's language
(central.web.refusals): every refusal is a `CaseError`; a stale action and a confident read
changed without a reason carry what the explanation needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from central.db import Case, Transition


class CaseError(ValueError):
    """A move the process does not allow, or one that lacks what it needs."""


@dataclass(frozen=True)
class Moved:
    """One move as a refusal reports it (plain values: they outlive the rolled-back session)."""

    actor: str
    to_state: str
    at: datetime


class StaleCase(CaseError):
    """The action was decided on an older view of the case: `since` holds the moves made
    after the version the officer saw (who, what, when), for the page to explain."""

    def __init__(self, case: Case, seen: int, since: list[Transition]) -> None:
        self.case_id, self.seen, self.version, self.state = case.id, seen, case.version, case.state
        self.since = [Moved(t.actor, t.to_state, t.at) for t in since]
        last = since[-1] if since else None
        who = f" by {last.actor} ({last.to_state})" if last else ""
        super().__init__(
            f"case {case.id} changed since you opened it (version {seen} → {case.version}{who}): "
            "nothing was done; look at the case again"
        )


class PlateReasonNeeded(CaseError):
    """A confident camera read is being changed without a reason."""

    def __init__(self, case: Case, new: str) -> None:
        self.read, self.new = case.plate_read_text or "", new
        self.confidence = float(case.plate_confidence or 0.0)
        super().__init__(
            f"case {case.id}: the camera read {self.read} with confidence "
            f"{self.confidence:.2f}: say why it is {new}"
        )
