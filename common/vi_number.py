"""Numbers as Vietnamese writes them: a decimal comma and a dot between thousands.

One definition for both sides: the edge burns numbers into evidence frames, the centre
prints them on pages and notices, and a figure must read the same on both."""

from __future__ import annotations


def vi_number(value: float, decimals: int = 0, *, sign: bool = False) -> str:
    """19.000.000; 2,345; with `sign`, +0,400 and -0,400."""
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
