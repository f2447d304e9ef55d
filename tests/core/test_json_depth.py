"""JSON nesting depth, counted over a body's bytes as they arrive."""

from __future__ import annotations

import json

import pytest

from linli.core.json_depth import JsonDepth, too_deep


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("{}", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "{{{{"]', 1),  # brackets inside strings do not count
        ('["\\"[[[["]', 1),  # nor after an escaped quote
        ('["\\\\", [[]]]', 3),  # an escaped backslash ends before the quote that closes
    ],
)
def test_depth_counts_structure_not_string_contents(text: str, depth: int) -> None:
    json.loads(text)  # the cases are valid JSON
    assert not too_deep(text.encode(), depth)
    assert too_deep(text.encode(), depth - 1)


def test_depth_is_tracked_across_chunks_split_anywhere() -> None:
    text = b'{"note": "a\\"[[[\\\\", "x": [[[1]]]}'
    for cut in range(1, len(text)):
        tracker = JsonDepth(4)
        assert not tracker.feed(text[:cut]) and not tracker.feed(text[cut:]), cut
        tracker = JsonDepth(3)
        assert tracker.feed(text[:cut]) or tracker.feed(text[cut:]), cut
