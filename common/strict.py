"""The strict pydantic base and the identifier patterns every schema of the project shares.

Configs and wire messages are written by hand or by other programs: an unknown key is a typo
or a forgery, never something to ignore, and a validated object must not change afterwards.
An identifier that becomes a topic level, a file name or a database key is one plain token
(letters, digits, `_ . -`), so no `/`, `+`, `#`, `$` or `..` can change where it lands.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

IDENT = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"  # camera ids, intersections, client ids on the wire
BOX_IDENT = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,15}"  # edge-box ids (a 16-character database column)
IDENT_RE = re.compile(IDENT)
BOX_IDENT_RE = re.compile(BOX_IDENT)

Ident = Annotated[str, Field(pattern=f"^{IDENT}$")]
BoxIdent = Annotated[str, Field(pattern=f"^{BOX_IDENT}$")]


class StrictModel(BaseModel):
    """Unknown keys are errors; validated objects are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
