"""The replay's closing line names the crossings judged by kind, most first, in plain words."""

from __future__ import annotations

import pytest

from edge.commands.replay import crossing_counts


@pytest.mark.parametrize(
    ("crossings", "line"),
    [
        ({}, "none"),
        ({"violation": 2}, "violation 2"),
        ({"stopped": 5, "violation": 4, "not_red": 2}, "stopped 5, violation 4, not_red 2"),
        ({"lone_person": 1, "exempt": 1}, "exempt 1, lone_person 1"),  # ties by name
    ],
)
def test_crossing_counts_reads_as_words(crossings: dict[str, int], line: str) -> None:
    assert crossing_counts(crossings) == line
