"""Fixtures shared with the texting tests."""

from tests.e2e.texting.conftest import texting

__all__ = ["texting"]
