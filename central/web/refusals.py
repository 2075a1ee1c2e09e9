"""A refused move explained in the officer's language: for a stale action, what happened
meanwhile and who did it; for a claimed case, who holds it and until when; for a confident
read changed without a reason, what the camera read. Other refusals keep the lifecycle's own
message."""

from __future__ import annotations

from central.case_claims import ClaimedCase
from central.cases import PlateReasonNeeded, StaleCase
from central.web.i18n import number, t, t_opt
from central.web.render import local


def explain(exc: Exception, lang: str) -> str:
    if isinstance(exc, StaleCase):
        lines = [t("stale.title", lang, id=exc.case_id)]
        for move in exc.since[-5:]:
            state = t_opt("state", move.to_state, lang)
            lines.append(
                "– " + t("stale.move", lang, at=local(move.at), actor=move.actor, state=state)
            )
        lines.append(t("stale.now", lang, state=t_opt("state", exc.state, lang)))
        return "\n".join(lines)
    if isinstance(exc, ClaimedCase):
        until = local(exc.until, "%H:%M:%S")
        return t("claimed.refused", lang, id=exc.case_id, user=exc.holder, until=until)
    if isinstance(exc, PlateReasonNeeded):
        return t(
            "plate_reason.needed",
            lang,
            read=exc.read,
            p=number(exc.confidence * 100, 0, lang=lang),
            new=exc.new,
        )
    return t("refused", lang, reason=str(exc))
