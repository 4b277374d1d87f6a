"""The workspace as each role sees it: the 长期保存 section of a unit, a package's page, downloads through the
visibility policy (404 for units the user may not see, audit-logged), and audit pages with live progress."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry
from dangan.preservation.actions.auditing import do_audit
from dangan.preservation.actions.preserving import do_preserve
from dangan.preservation.choices import AuditStatus
from dangan.preservation.models import AuditRun
from tests.helpers import client_for

from .conftest import PDF, TEXT

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def preserved(storage, make_unit, source_files) -> dict[str, Any]:
    """A 公开 unit and an 内部 one and a 秘密 one, each with a preserved package."""
    result = {}
    for level in ("public", "internal", "secret"):
        unit = make_unit(title=f"{level} 扶贫档案", classification=level)
        files = source_files({"0001.pdf": PDF, "说明.txt": TEXT})
        result[level] = do_preserve(CONSOLE, unit, files, message="接收").package
    return result


def download_url(package: Any, logical: str = "content/说明.txt", version: int = 1) -> str:
    return reverse("preservation:file_download", args=[package.uuid, version, logical])


def test_the_unit_page_shows_its_package(preserved, archivist):
    package = preserved["public"]
    page = client_for(archivist).get(reverse("catalog:unit_detail", args=[package.unit.uuid]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "长期保存" in html and package.object_id in html and "v1" in html
    assert "content/0001.pdf" in html and "fmt/18" in html and "未检查" in html
    assert "入库" in html and "格式识别" in html  # PREMIS event history
    assert download_url(package) in html


def test_a_unit_without_a_package_says_so(storage, make_unit, archivist, system_admin):
    unit = make_unit()
    html = client_for(archivist).get(reverse("catalog:unit_detail", args=[unit.uuid])).content.decode()
    assert "尚未长期保存" in html and "上传文件并长期保存" in html  # the upload form, open
    html = client_for(system_admin).get(reverse("catalog:unit_detail", args=[unit.uuid])).content.decode()
    assert "尚未长期保存" in html and "上传文件并长期保存" not in html  # cannot preserve


def test_package_page_lists_versions_files_and_events(preserved, archivist, source_files):
    package = preserved["secret"]
    do_preserve(CONSOLE, package.unit, source_files({"说明.txt": TEXT + b"!"}))
    client = client_for(archivist)
    html = client.get(reverse("preservation:package_detail", args=[package.uuid])).content.decode()
    assert "v2" in html and "content/说明.txt" in html and "格式识别" in html
    html = client.get(reverse("preservation:package_detail", args=[package.uuid]) + "?version=1").content.decode()
    assert download_url(package, version=1) in html


@pytest.mark.parametrize(
    ("user_fixture", "level", "status"),
    [
        ("archivist", "secret", 200),  # cleared for 机密
        ("archivist", "public", 200),
        ("junior_archivist", "public", 200),
        ("junior_archivist", "internal", 404),  # cleared for 公开 only: as if it did not exist
        ("junior_archivist", "secret", 404),
        ("system_admin", "public", 200),
        ("system_admin", "internal", 404),  # never above 公开 (三员分立)
        ("security_admin", "public", 403),  # no catalog capability at all
        ("security_auditor", "public", 403),
        (None, "public", 302),  # to the sign-in page
    ],
)
def test_downloads_follow_the_visibility_policy(request, preserved, user_fixture, level, status):
    user = request.getfixturevalue(user_fixture) if user_fixture else None
    package = preserved[level]
    response = client_for(user).get(download_url(package))
    assert response.status_code == status
    logged = AuditEntry.objects.filter(action="preservation.file.download", object_id=str(package.uuid))
    if status == 200:
        body = b"".join(response.streaming_content)
        assert (
            body == TEXT
            and hashlib.sha512(body).hexdigest() == package.files.get(logical_path="content/说明.txt").sha512
        )
        assert "attachment" in response["Content-Disposition"]
        entry = logged.get()
        assert entry.username == user.username and entry.data["path"] == "content/说明.txt"
        assert client_for(user).get(download_url(package, "content/none.txt")).status_code == 404
        assert client_for(user).get(download_url(package, version=9)).status_code == 404
        page = client_for(user).get(reverse("preservation:package_detail", args=[package.uuid]))
        assert page.status_code == 200
    else:
        assert not logged.exists()
        if status == 404:
            page = client_for(user).get(reverse("preservation:package_detail", args=[package.uuid]))
            assert page.status_code == 404


def test_starting_an_audit_and_following_it(preserved, archivist, security_auditor, system_admin):
    client = client_for(archivist)
    page = client.get(reverse("preservation:audit_list"))
    assert page.status_code == 200 and "开始检查" in page.content.decode() and "每 730 天" in page.content.decode()
    bad = client.post(reverse("preservation:audit_start"), {"kind": "sample", "sample_percent": ""})
    assert bad.status_code == 400
    response = client.post(reverse("preservation:audit_start"), {"kind": "full"})
    run = AuditRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("preservation:audit_detail", args=[run.uuid])
    assert run.status == AuditStatus.PASSED and run.checked_objects == 3  # the immediate backend ran it
    detail = client.get(response["Location"]).content.decode()
    assert "全部通过" in detail and "没有发现问题" in detail
    progress = client.get(reverse("preservation:audit_progress", args=[run.uuid]), **HTMX)
    assert progress.status_code == 200 and progress["HX-Refresh"] == "true"
    assert client.get(reverse("preservation:audit_progress", args=[run.uuid])).status_code == 302
    # The security auditor reads the audit log, not the preservation pages; the system administrator may start one.
    assert client_for(security_auditor).get(reverse("preservation:audit_list")).status_code == 403
    assert "开始检查" in client_for(system_admin).get(reverse("preservation:audit_list")).content.decode()


def test_a_running_audit_polls_and_failures_name_only_visible_units(preserved, storage, junior_archivist, archivist):
    run = AuditRun.objects.create(status=AuditStatus.RUNNING, total_objects=3, checkpoint=1, checked_objects=1)
    client = client_for(junior_archivist)
    html = client.get(reverse("preservation:audit_detail", args=[run.uuid])).content.decode()
    assert 'hx-trigger="every 1s"' in html and "已检查 1 / 3 个对象" in html
    partial = client.get(reverse("preservation:audit_progress", args=[run.uuid]), **HTMX)
    assert "HX-Refresh" not in partial and "every 1s" in partial.content.decode()
    run.delete()

    for package in preserved.values():
        row = package.files.get(logical_path="content/0001.pdf")
        (Path(storage.backend.describe()) / package.object_path / row.content_path).write_bytes(b"%PDF-x")
    run = do_audit(CONSOLE)
    assert run.failed_objects == 3
    html = client.get(reverse("preservation:audit_detail", args=[run.uuid])).content.decode()
    assert html.count("内容被改动") == 1 and "content/0001.pdf" in html
    codes = {level: package.reference_code for level, package in preserved.items()}
    assert codes["public"] in html and codes["secret"] not in html and codes["internal"] not in html
    # Neither the unit nor the object of a hidden failure is named: only how many there are.
    assert preserved["secret"].object_id not in html and "另有 2 个问题涉及您无权查看的档案" in html
    html = client_for(archivist).get(reverse("preservation:audit_detail", args=[run.uuid])).content.decode()
    assert codes["secret"] in html and html.count("内容被改动") == 3 and "您无权查看" not in html
    unit_page = client_for(archivist).get(reverse("catalog:unit_detail", args=[preserved["secret"].unit.uuid]))
    assert "发现问题" in unit_page.content.decode()


def test_the_preservation_pages_switch_to_english(preserved, archivist):
    client = client_for(archivist)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    unit_page = client.get(reverse("catalog:unit_detail", args=[preserved["public"].unit.uuid])).content.decode()
    assert (
        ">Preservation</h2>" in unit_page and "Preservation events (PREMIS)" in unit_page and "ingestion" in unit_page
    )
    audits = client.get(reverse("preservation:audit_list")).content.decode()
    assert "Scheduled audits" in audits and "Audit now" in audits
