"""Numbers as Vietnamese writes them, the one definition the edge and the centre share."""

from __future__ import annotations

import pytest

from common.vi_number import vi_number


@pytest.mark.parametrize(
    ("value", "decimals", "sign", "text"),
    [
        (19_000_000, 0, False, "19.000.000"),
        (2.345, 3, False, "2,345"),
        (1234.5, 1, False, "1.234,5"),
        (0.4, 3, True, "+0,400"),
        (-0.4, 3, True, "-0,400"),
        (-1500, 0, False, "-1.500"),
    ],
)  # fmt: skip
def test_a_decimal_comma_and_dots_between_thousands(
    value: float, decimals: int, sign: bool, text: str
) -> None:
    assert vi_number(value, decimals, sign=sign) == text
