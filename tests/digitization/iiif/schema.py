"""The official JSON schema of IIIF Presentation 3.0 (the IIIF presentation validator's, vendored under
tests/conformance/data/schemas/iiif/), as a validator the tests share."""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs

from tests.conformance import DATA

SCHEMA = jsonschema_rs.validator_for(json.loads((DATA / "schemas/iiif/iiif_3_0.json").read_text(encoding="utf-8")))


def schema_errors(document: dict[str, Any]) -> list[str]:
    """What the schema finds wrong with a manifest or a collection (empty: valid)."""
    return [error.message for error in SCHEMA.iter_errors(document)]
