"""Fixtures every part of the conservation app's tests shares: units to conserve (``make_unit``, as the
preservation tests make them: 文书 items of fonds Z109 with 档号), and the conservation staff (tests/conftest.py:
``conservator`` cleared 秘密, ``conservation_head`` cleared 内部)."""

from tests.preservation.conftest import make_unit

__all__ = ["make_unit"]
