"""The preservation API: a unit's package through the visibility policy, the audits, starting one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dangan.core.actors import CONSOLE
from dangan.preservation.actions.auditing import do_audit
from dangan.preservation.actions.preserving import do_preserve
from dangan.preservation.models import AuditRun
from tests.helpers import client_for

from .conftest import PDF, TEXT

pytestmark = pytest.mark.django_db


def test_a_units_package_follows_the_policy(
    storage, make_unit, source_files, archivist, junior_archivist, security_auditor
):
    secret = make_unit(classification="secret")
    unpreserved = make_unit()
    do_preserve(CONSOLE, secret, source_files({"0001.pdf": PDF, "说明.txt": TEXT}))
    body = client_for(archivist).get(f"/api/units/{secret.uuid}/package").json()
    assert body["head_version"] == "v1" and body["fixity_status"] == "unchecked"
    assert [v["name"] for v in body["versions"]] == ["v1"]
    files = {f["logical_path"]: f for f in body["files"]}
    assert files["content/0001.pdf"]["puid"] == "fmt/18" and files["content/说明.txt"]["size"] == len(TEXT)
    download = client_for(archivist).get(files["content/说明.txt"]["download_url"])
    assert b"".join(download.streaming_content) == TEXT
    assert {"ingestion", "format identification"} <= {e["event_type"] for e in body["events"]}
    assert all(e["version"] == "v1" for e in body["events"])
    assert client_for(junior_archivist).get(f"/api/units/{secret.uuid}/package").status_code == 404
    assert client_for(archivist).get(f"/api/units/{unpreserved.uuid}/package").status_code == 404
    assert client_for(security_auditor).get(f"/api/units/{secret.uuid}/package").status_code == 403
    assert client_for(None).get(f"/api/units/{secret.uuid}/package").status_code == 401


def test_audits_through_the_api(storage, make_unit, source_files, archivist, junior_archivist, system_admin):
    public = make_unit()
    secret = make_unit(classification="secret")
    for unit in (public, secret):
        package = do_preserve(CONSOLE, unit, source_files({"说明.txt": TEXT})).package
        row = package.files.get(logical_path="content/说明.txt")
        (Path(storage.backend.describe()) / package.object_path / row.content_path).write_bytes(b"altered")
    run = do_audit(CONSOLE)
    body = client_for(junior_archivist).get(f"/api/preservation/audits/{run.uuid}").json()
    assert body["status"] == "failed" and body["failure_count"] == 2
    # The failure in the 秘密 unit is only counted for a 公开-cleared archivist: its path and digests would tell.
    assert [f["unit"] for f in body["failures"]] == [str(public.uuid)] and body["hidden_failures"] == 1
    assert all(f["kind"] == "changed" and f["expected"] and f["actual"] for f in body["failures"])
    assert body["failures"][0]["message"].startswith("文件内容已改变")
    full = client_for(archivist).get(f"/api/preservation/audits/{run.uuid}").json()
    assert {f["unit"] for f in full["failures"]} == {str(public.uuid), str(secret.uuid)}
    listing = client_for(archivist).get("/api/preservation/audits").json()
    assert listing["total"] == 1 and listing["items"][0]["uuid"] == str(run.uuid)

    def start(user: Any, body: dict[str, Any]) -> Any:
        return client_for(user).post("/api/preservation/audits", json.dumps(body), content_type="application/json")

    response = start(system_admin, {"sample_percent": 50})
    assert response.status_code == 201 and response.json()["kind"] == "sample"
    assert AuditRun.objects.count() == 2
    assert start(archivist, {"sample_percent": 0}).status_code == 422
