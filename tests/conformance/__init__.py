"""Conformance tests against public test suites and schemas, vendored under ``tests/conformance/data``."""

from pathlib import Path

# The vendored data (data/README.md names each source, commit and licence). Part of the repository: a clone anywhere
# has it, and nothing is read from outside the checkout.
DATA = Path(__file__).resolve().parent / "data"
