"""Outbound texts through the AMI: bodies split to fit its 1024-byte lines, exactly."""

from __future__ import annotations

import base64

import pytest

from smartnumber.asterisk.messaging import PART_BYTES, parts


@pytest.mark.parametrize(
    "body",
    ["short", "x" * 2000, "word " * 400, "🏠" * 500, "a" * 699 + "é" * 3, ""],
)
def test_parts_join_back_to_the_body_and_each_fits(body: str) -> None:
    split = parts(body)
    assert "".join(split) == body
    assert all(len(p.encode()) <= PART_BYTES for p in split)
    assert all(len("Base64Body: " + base64.b64encode(p.encode()).decode()) < 1024 for p in split)


def test_a_cut_prefers_a_space() -> None:
    first, _ = parts("word " * 200)
    assert first.endswith(" ") and len(first.encode()) <= PART_BYTES
