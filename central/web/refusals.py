"""A refused move explained in the officer's language: for a stale action, what happened
meanwhile and who did it; for a claimed case, who holds it and until when; for a confident
read changed without a reason, what the camera read. Other refusals are the lifecycle's own
message said again in the page's language (central.web.refusal_texts), with a link when one
helps (a plate missing from the registry: its registry page)."""

from __future__ import annotations

from central.case_claims import ClaimedCase
from central.cases import PlateReasonNeeded, StaleCase
from central.web.i18n import number, t, t_opt
from central.web.refusal_texts import Said, say
from central.web.render import local


def said(exc: Exception, lang: str) -> Said:
    """The refusal's text in `lang` and the link that helps, if any."""
    if isinstance(exc, StaleCase):
        lines = [t("stale.title", lang, id=exc.case_id)]
        for move in exc.since[-5:]:
            state = t_opt("state", move.to_state, lang)
            lines.append(
                "– " + t("stale.move", lang, at=local(move.at), actor=move.actor, state=state)
            )
        lines.append(t("stale.now", lang, state=t_opt("state", exc.state, lang)))
        return Said("\n".join(lines))
    if isinstance(exc, ClaimedCase):
        until = local(exc.until, "%H:%M:%S")
        return Said(t("claimed.refused", lang, id=exc.case_id, user=exc.holder, until=until))
    if isinstance(exc, PlateReasonNeeded):
        p = number(exc.confidence * 100, 0, lang=lang)
        return Said(t("plate_reason.needed", lang, read=exc.read, p=p, new=exc.new))
    return say(str(exc), lang)


def explain(exc: Exception, lang: str) -> str:
    return said(exc, lang).text
