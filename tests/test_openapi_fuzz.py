"""A bounded property-based run over the whole OpenAPI description (schemathesis): every operation of /api/, called
as an archivist with a token against a small catalog, with requests that fit the description and requests that do
not. No answer may be a server error, and every error must be JSON ``{"detail": <Chinese>, "errors": {…}}``.

Bounded so that the suite stays quick: a fixed number of examples per operation, derandomized (the same requests at
every run: a failure here is reproducible, not a flake); half of them with path parameters that name real objects
(a unit, a fonds, an authority, an import batch, an audit), so that the endpoints get past their 404s.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from dangan.core.actors import CONSOLE

EXAMPLES = 8  # per operation and mode
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def catalog(fonds: Any, categories: Any, archivist: Any, storage: Any) -> dict[str, Any]:
    """A small demo-like catalog: a series with items at several 密级, an authority, an import, an audit."""
    from dangan.catalog.actions.authorities import do_create_authority
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import ImportBatch
    from dangan.preservation.models import AuditRun

    series = do_create_unit(CONSOLE, fonds, {"title": "2016年", "level": "series", "year": 2016})
    units = [
        do_create_unit(
            CONSOLE,
            fonds,
            {
                "title": f"关于脱贫攻坚第{n}批项目的批复",
                "category": categories["WS"],
                "year": 2016,
                "retention": "Y",
                "classification": level,
                "responsible": "贵州省扶贫开发办公室",
            },
            parent=series,
        )
        for n, level in enumerate(["public", "internal", "secret", "confidential"], start=1)
    ]
    authority = do_create_authority(CONSOLE, {"kind": "place", "name": "遵义"})
    batch = ImportBatch.objects.create(fonds=fonds, user=archivist, file_name="目录.xlsx", status="done")
    run = AuditRun.objects.create(status="passed")
    return {
        "unit_id": str(units[0].uuid),
        "authority_id": str(authority.uuid),
        "batch_id": str(batch.uuid),
        "run_id": str(run.uuid),
        "code": fonds.code,
        "uuid": str(units[0].uuid),
    }


@pytest.fixture
def storage(settings: Any, tmp_path: Any) -> Any:
    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.ACCESSION_ROOT = tmp_path / "accession"


@pytest.fixture
def token(archivist: Any) -> str:
    from dangan.core.models import APIToken

    key = APIToken.new_key()
    APIToken.objects.create(user=archivist, name="fuzz", prefix=key[:8], key_hash=APIToken.hash_key(key))
    return key


def problems_of(response: Any) -> list[str]:
    """What is wrong with an answer: a server error, or an error that is not JSON with a Chinese message."""
    found = []
    if response.status_code >= 500:
        found.append("server error")
    if response.status_code >= 400:
        kind = response.headers.get("Content-Type", "")
        kind = kind[0] if isinstance(kind, list) else kind
        try:
            body = json.loads(response.content)
        except ValueError:
            return [*found, f"not JSON ({kind}): {response.content[:200]!r}"]
        if not (isinstance(body, dict) and isinstance(body.get("detail"), str) and CJK.search(body["detail"])):
            found.append(f"no Chinese detail: {body!r:.300}")
        elif "Traceback" in body["detail"]:
            found.append("a traceback in the answer")
    return found


def fuzz(label: str, strategies: list[Any], headers: dict[str, str]) -> list[str]:
    """Call one operation with EXAMPLES requests of each strategy; the problems found, with a curl to repeat each."""
    seen: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def call(case: Any) -> None:
        response = case.call(headers=headers)
        for problem in problems_of(response):
            seen.append(f"{label} → {response.status_code}: {problem}\n    {case.as_curl_command()}")

    call()
    return seen


@pytest.mark.django_db(transaction=True)
def test_no_operation_answers_a_server_error_or_an_error_that_is_not_json(catalog, token):
    from dangan.api import api

    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    schema.app = WSGIHandler()
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30, "the whole description, every operation"
    for operation in operations:
        names = [p.name for p in operation.path_parameters]
        real = {name: catalog[name] for name in names if name in catalog}
        strategies = [
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        ]
        if names and len(real) == len(names):
            strategies.append(operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=real))
        seen = fuzz(operation.label, strategies, headers)
        failures.extend(dict.fromkeys(seen))  # one line per distinct problem
    assert not failures, "\n".join(failures[:20])
