"""Attaching files to a unit from the workspace and the API: an upload becomes a new version of the unit's package
(through do_preserve), streamed to disk, within limits, through the visibility policy, audit-logged, with Chinese
errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dangan.core.models import AuditEntry
from dangan.preservation import uploads
from dangan.preservation.actions.indexing import read_mets
from dangan.preservation.models import PackageFile, PackageVersion, PreservedPackage

from .conftest import PDF, TEXT

pytestmark = pytest.mark.django_db


def client_for(user: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def staging(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return tmp_path / "uploads" / "preserve"


def leftovers(staging: Path) -> list[Path]:
    return [p for p in staging.rglob("*")] if staging.exists() else []


def test_an_archivist_uploads_files_on_the_unit_page_and_gets_a_new_version(storage, staging, make_unit, archivist):
    unit = make_unit()
    client = client_for(archivist)
    page = client.get(reverse("catalog:unit_detail", args=[unit.uuid])).content.decode()
    url = reverse("preservation:unit_files", args=[unit.uuid])
    assert f'action="{url}"' in page and 'enctype="multipart/form-data"' in page and "上传并保存" in page
    assert "dangan preserve" not in page

    response = client.post(
        url, {"files": [upload("0001 正文.pdf", PDF), upload("说明.txt", TEXT)], "message": "补充扫描件"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:unit_detail", args=[unit.uuid]) + "#preservation"
    package = PreservedPackage.objects.get(unit=unit)
    version = PackageVersion.objects.get(package=package)
    assert (version.name, version.message, version.user_name) == ("v1", "补充扫描件", archivist.username)
    files = sorted(
        PackageFile.objects.filter(version=version, logical_path__startswith="content/").values_list(
            "logical_path", "size"
        )
    )
    assert files == [("content/0001 正文.pdf", len(PDF)), ("content/说明.txt", len(TEXT))]
    # The files keep the names they were uploaded with, in the package's METS as in its paths.
    _data, record = read_mets(storage, package.object_id)
    assert {f.original_name for f in record.files} == {"0001 正文.pdf", "说明.txt"}
    entry = AuditEntry.objects.get(action="preservation.package.preserve")
    assert entry.user == archivist and entry.data["message"] == "补充扫描件"
    page = client.get(response["Location"]).content.decode()
    assert "已保存为新版本 v1：新增或更新 2 个文件。" in page and "content/0001 正文.pdf" in page
    assert leftovers(staging) == []

    # The same file again changes nothing; a replaced one makes v2, keeping v1 as it was.
    response = client.post(url, {"files": [upload("说明.txt", TEXT)]}, follow=True)
    assert "上传的文件与当前版本中的相同，没有生成新版本。" in response.content.decode()
    client.post(url, {"files": [upload("说明.txt", "更正后的说明\n".encode())]})
    package.refresh_from_db()
    assert package.head_version == "v2" and package.file_count == 3  # with metadata/mets.xml
    assert PackageVersion.objects.get(package=package, number=2).message == "上传 1 个文件"
    assert AuditEntry.objects.filter(action="preservation.package.preserve").count() == 2


def test_files_are_streamed_to_disk_and_removed_afterwards(storage, staging, make_unit, archivist, monkeypatch):
    unit = make_unit()
    seen: list[tuple[bool, int, bool]] = []
    real = uploads.read_upload

    def spy(request: Any, folder: Path) -> Any:
        files, problem = real(request, folder)
        for f in files:
            seen.append((isinstance(f, uploads.StagedFile), f.path.stat().st_size, f.path.is_relative_to(staging)))
        return files, problem

    monkeypatch.setattr("dangan.preservation.views.read_upload", spy)
    big = bytes(range(256)) * (12 * 1024 * 4)  # 12 MiB, above Django's in-memory threshold
    response = client_for(archivist).post(
        reverse("preservation:unit_files", args=[unit.uuid]), {"files": [upload("扫描件.bin", big)]}
    )
    assert response.status_code == 302
    assert seen == [(True, len(big), True)]
    stored = PackageFile.objects.get(version__package__unit=unit, logical_path="content/扫描件.bin")
    assert stored.size == len(big)
    assert leftovers(staging) == []


def test_uploads_over_the_limits_are_refused_whole_in_chinese(storage, staging, make_unit, archivist, settings):
    unit = make_unit()
    client = client_for(archivist)
    url = reverse("preservation:unit_files", args=[unit.uuid])
    settings.PRESERVE_UPLOAD_MAX_BYTES = 4000
    # Over the limit while streaming (the request is small enough to be read) …
    response = client.post(url, {"files": [upload("a.pdf", PDF), upload("b.bin", b"x" * 5000)]})
    assert response.status_code == 413
    assert "上传的文件共超过 3.9\xa0KB，未保存任何内容。请分批上传。" in response.content.decode()
    # … and announced as too long before a byte of it is read.
    response = client.post(url, {"files": [upload("c.bin", b"y" * (2 * 1024 * 1024))]})
    assert response.status_code == 413 and "未保存任何内容" in response.content.decode()
    settings.PRESERVE_UPLOAD_MAX_BYTES = 10**9
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    response = client.post(url, {"files": [upload(f"{n}.txt", TEXT) for n in range(3)]})
    assert response.status_code == 413 and "一次最多上传 2 个文件" in response.content.decode()
    response = client.post(url, {"files": [upload("说明.txt", TEXT), upload("说明.txt", PDF)]})
    assert response.status_code == 400 and "同一次上传中有两个名为“说明.txt”的文件" in response.content.decode()
    response = client.post(url, {"message": "没有文件"})
    assert response.status_code == 400 and "请选择要保存的文件" in response.content.decode()
    assert not PreservedPackage.objects.filter(unit=unit).exists()
    assert not AuditEntry.objects.filter(action="preservation.package.preserve").exists()
    assert leftovers(staging) == []


def test_a_file_cannot_take_the_name_of_a_folder_in_the_package(storage, staging, make_unit, archivist, tmp_path):
    from dangan.core.actors import CONSOLE
    from dangan.preservation.actions.preserving import do_preserve

    unit = make_unit()
    folder = tmp_path / "扫描件"
    folder.mkdir()
    (folder / "0001.pdf").write_bytes(PDF)
    do_preserve(CONSOLE, unit, [folder])  # content/扫描件/0001.pdf
    url = reverse("preservation:unit_files", args=[unit.uuid])
    response = client_for(archivist).post(url, {"files": [upload("扫描件", TEXT)]})
    assert response.status_code == 400
    assert "“扫描件”与保存包中的“扫描件/0001.pdf”冲突" in response.content.decode()
    response = client_for(archivist).post(f"/api/units/{unit.uuid}/files", {"files": [upload("扫描件", TEXT)]})
    assert response.status_code == 422 and "同一路径不能既是文件又是目录" in response.json()["detail"]
    assert PreservedPackage.objects.get(unit=unit).head_version == "v1"
    assert leftovers(staging) == []


def test_uploads_follow_the_visibility_policy_and_the_roles(
    storage, staging, make_unit, junior_archivist, system_admin, archivist
):
    secret = make_unit(classification="secret")
    public = make_unit()
    for user, unit, status in (
        (junior_archivist, secret, 404),  # not cleared: the unit does not exist for them
        (system_admin, public, 403),  # sees it, may not preserve
    ):
        client = client_for(user)
        url = reverse("preservation:unit_files", args=[unit.uuid])
        assert client.get(url).status_code == status, user.username
        assert client.post(url, {"files": [upload("a.pdf", PDF)]}).status_code == status, user.username
    html = client_for(system_admin).get(reverse("catalog:unit_detail", args=[public.uuid])).content.decode()
    assert "上传并保存" not in html
    response = Client().post(reverse("preservation:unit_files", args=[public.uuid]), {"files": [upload("a.pdf", PDF)]})
    assert response.status_code == 302 and "/manage/login/" in response["Location"]
    # The form is protected against cross-site requests like every other.
    forged = client_for(archivist, enforce_csrf_checks=True)
    url = reverse("preservation:unit_files", args=[public.uuid])
    assert forged.post(url, {"files": [upload("a.pdf", PDF)]}).status_code == 403
    assert not PreservedPackage.objects.exists()
    assert leftovers(staging) == []


def test_the_api_uploads_files_as_a_new_version(storage, staging, make_unit, archivist, junior_archivist, settings):
    unit = make_unit()
    client = client_for(archivist)
    url = f"/api/units/{unit.uuid}/files"
    response = client.post(url, {"files": [upload("0001.pdf", PDF), upload("说明.txt", TEXT)], "message": "接收"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["version"], body["files_added"]) == (True, "v1", 2)
    assert body["changed_paths"] == ["content/0001.pdf", "content/说明.txt"]
    paths = [f["logical_path"] for f in body["package"]["files"]]
    assert paths == ["content/0001.pdf", "content/说明.txt", "metadata/mets.xml"]
    response = client.post(url, {"files": [upload("说明.txt", TEXT)]})
    assert response.status_code == 200 and response.json()["created"] is False

    settings.PRESERVE_UPLOAD_MAX_BYTES = 100
    response = client.post(url, {"files": [upload("大文件.pdf", PDF * 10)]})
    assert response.status_code == 413 and "未保存任何内容" in response.json()["detail"]
    settings.PRESERVE_UPLOAD_MAX_BYTES = 10**9
    response = client.post(url, {"files": [upload("说明.txt", TEXT), upload("说明.txt", TEXT)]})
    assert response.status_code == 422 and "同一次上传中有两个名为“说明.txt”的文件" in response.json()["detail"]
    secret = make_unit(classification="secret")
    response = client_for(junior_archivist).post(f"/api/units/{secret.uuid}/files", {"files": [upload("a.pdf", PDF)]})
    assert response.status_code == 404 and response.json()["detail"] == "档案不存在"
    assert PreservedPackage.objects.get(unit=unit).head_version == "v1"
    assert leftovers(staging) == []


def test_nobody_who_may_not_upload_makes_the_server_write_the_body(
    storage, staging, make_unit, junior_archivist, security_auditor, settings
):
    """The body of an upload is streamed to disk before the endpoint runs; who is asking is settled first, so an
    anonymous caller, a role without the right, or one who may not see the unit gets its answer (401, 403, 404)
    without a byte written — not the 413 a too large body would get."""
    unit, secret = make_unit(), make_unit(classification="secret")
    settings.PRESERVE_UPLOAD_MAX_BYTES = 100

    def body() -> dict[str, Any]:
        return {"files": [upload("大文件.pdf", PDF * 10)]}

    assert client_for(None).post(f"/api/units/{unit.uuid}/files", body()).status_code == 401
    assert client_for(security_auditor).post(f"/api/units/{unit.uuid}/files", body()).status_code == 403
    response = client_for(junior_archivist).post(f"/api/units/{secret.uuid}/files", body())
    assert response.status_code == 404 and response.json()["detail"] == "档案不存在"
    assert leftovers(staging) == []
    assert client_for(junior_archivist).post(f"/api/units/{unit.uuid}/files", body()).status_code == 413
