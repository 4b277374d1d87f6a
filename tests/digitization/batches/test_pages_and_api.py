"""The workspace pages and the API over real HTTP (Django's test client): a batch registered with a 档号 sheet, the
scans uploaded as a .zip in resumable chunks and imported by the worker, the inspection page with its verdicts,
acceptance and preservation; a unit the person may not see is a 404 by every route."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dangan.core.actors import CONSOLE
from dangan.digitization.actions.importing import do_import_folder
from dangan.digitization.choices import BatchStatus
from dangan.digitization.models import Batch, PageScan
from dangan.preservation.models import PackageFile

from .conftest import grey_batch

pytestmark = pytest.mark.django_db


def zipped(folder: Path, top: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, (top + "/" if top else "") + path.relative_to(folder).as_posix())
    return out.getvalue()


def test_register_upload_inspect_accept_preserve(
    digitization_env, fonds, make_unit, scan_folder, archivist, django_capture_on_commit_callbacks
) -> None:
    a, b = make_unit(pages=2), make_unit(pages=1)
    client = Client()
    client.force_login(archivist)
    assert client.get("/manage/digitization/").status_code == 200
    sheet = SimpleUploadedFile("list.csv", f"档号\n{a.reference_code}\n{b.reference_code}\n".encode())
    response = client.post(
        "/manage/digitization/new/",
        {
            "name": "页面批次",
            "fonds": fonds.code,
            "dpi": 300,
            "colour_mode": "grey",
            "master_format": "tiff",
            "max_skew_degrees": 3,
            "sample_percent": 100,
            "accept_percent": 95,
            "sheet": sheet,
        },
    )
    assert response.status_code == 302, response.content.decode()
    batch = Batch.objects.get(name="页面批次")
    assert [u.reference_code for u in batch.units.all()] == [a.reference_code, b.reference_code]
    assert client.get(response["Location"]).status_code == 200

    # The scans as a .zip wrapped in a folder of its own, sent in two chunks; the first is sent twice (a retry).
    data = zipped(scan_folder({a.reference_code: 2, b.reference_code: 1}), top="批次成果")
    started = client.post(
        f"/api/digitization/batches/{batch.uuid}/uploads",
        {"file_name": "成果.zip", "size": len(data)},
        content_type="application/json",
    )
    assert started.status_code == 201
    upload = started.json()["uuid"]
    half = len(data) // 2
    for start, end in ((0, half), (0, half), (half, len(data))):
        put = client.put(
            f"/api/digitization/uploads/{upload}",
            data[start:end],
            content_type="application/octet-stream",
            headers={"Content-Range": f"bytes {start}-{end - 1}/{len(data)}"},
        )
        assert put.status_code in (200, 409)
    assert client.get(f"/api/digitization/uploads/{upload}").json()["complete"] is True
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/manage/digitization/batches/{batch.uuid}/upload/", {"upload": upload})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.INSPECTING, batch.message
    detail = client.get(f"/manage/digitization/batches/{batch.uuid}/").content.decode()
    assert "page-thumbs" in detail
    page = PageScan.objects.filter(batch=batch).first()
    thumb = client.get(f"/manage/digitization/pages/{page.pk}/thumb.jpg")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"

    response = client.post(f"/manage/digitization/batches/{batch.uuid}/inspect/")
    assert response.status_code == 302
    inspection_page = client.get(response["Location"])
    assert inspection_page.status_code == 200
    inspection = batch.inspections.get()
    for item in inspection.items.all():
        client.post(f"/manage/digitization/inspection-items/{item.pk}/verdict/", {"verdict": "pass", "note": ""})
    assert not inspection.items.filter(verdict="").exists()
    stale = client.post(f"/manage/digitization/batches/{batch.uuid}/accept/", {"version": batch.version - 1})
    assert stale.status_code == 409
    batch.refresh_from_db()
    client.post(f"/manage/digitization/batches/{batch.uuid}/accept/", {"version": batch.version})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.ACCEPTED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/manage/digitization/batches/{batch.uuid}/preserve/")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PRESERVED, batch.message
    masters = PackageFile.objects.filter(package__unit=a, logical_path__startswith="content/masters/")
    assert sorted(masters.values_list("logical_path", flat=True)) == [
        "content/masters/0001.tif",
        "content/masters/0002.tif",
    ]
    api = client.get(f"/api/digitization/batches/{batch.uuid}").json()
    assert api["status"] == "preserved" and len(api["units"]) == 2


def test_api_create_import_problems_and_rework(
    digitization_env, fonds, make_unit, scan_folder, archivist, tmp_path
) -> None:
    from tests.digitization.batches.conftest import write_page

    unit = make_unit(pages=2)
    client = Client()
    client.force_login(archivist)
    created = client.post(
        "/api/digitization/batches",
        {"name": "接口批次", "fonds": fonds.code, "colour_mode": "grey", "units": [unit.reference_code]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    batch = Batch.objects.get(name="接口批次")
    do_import_folder(CONSOLE, batch, scan_folder({unit.reference_code: 2}, bad={(unit.reference_code, 2): "skew"}))
    problems = client.get(f"/api/digitization/batches/{batch.uuid}/problems").json()
    assert [(p["unit"], p["page"], p["check"]) for p in problems] == [(unit.reference_code, 2, "skew")]
    pages = client.get(f"/api/digitization/batches/{batch.uuid}/pages").json()
    failed = next(p for p in pages if p["status"] == "failed")
    good = write_page(tmp_path / "0002.tif", 50)
    with open(good, "rb") as handle:
        replaced = client.post(f"/api/digitization/pages/{failed['id']}/replace", {"image": handle})
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["status"] == "passed" and replaced.json()["revision"] == 1
    assert client.get(f"/api/digitization/batches/{batch.uuid}").json()["status"] == "inspecting"
    conflict = client.post(
        f"/api/digitization/batches/{batch.uuid}/units", {"units": [], "version": 1}, content_type="application/json"
    )
    assert conflict.status_code in (409, 422)


def test_hidden_unit_is_404_everywhere(digitization_env, fonds, make_unit, scan_folder, junior_archivist) -> None:
    secret = make_unit(pages=1, classification="secret")
    batch = grey_batch("隐藏批次", fonds)
    do_import_folder(CONSOLE, batch, scan_folder({secret.reference_code: 1}))
    page = PageScan.objects.get(batch=batch)
    client = Client()
    client.force_login(junior_archivist)
    assert client.get(f"/manage/digitization/pages/{page.pk}/").status_code == 404
    assert client.get(f"/manage/digitization/pages/{page.pk}/thumb.jpg").status_code == 404
    detail = client.get(f"/manage/digitization/batches/{batch.uuid}/").content.decode()
    assert secret.title not in detail and secret.reference_code not in detail
    api = client.get(f"/api/digitization/batches/{batch.uuid}").json()
    assert api["units"] == [] and secret.reference_code not in json.dumps(api, ensure_ascii=False)
    assert client.post(f"/api/digitization/pages/{page.pk}/replace", {}).status_code in (404, 422)
    created = client.post(
        "/api/digitization/batches",
        {"name": "不可见", "fonds": fonds.code, "units": [secret.reference_code]},
        content_type="application/json",
    )
    assert created.status_code == 422 and "没有这些档号" in created.json()["detail"] + json.dumps(
        created.json(), ensure_ascii=False
    )
    assert client.get("/manage/digitization/", HTTP_ACCEPT="text/html").status_code == 200


def test_catalog_picker_adds_only_visible_units(digitization_env, fonds, make_unit, junior_archivist) -> None:
    public, secret = make_unit(title="苏区布告公开件"), make_unit(title="苏区布告秘密件", classification="secret")
    batch = grey_batch("选择批次", fonds)
    client = Client()
    client.force_login(junior_archivist)
    found = client.get(
        f"/manage/digitization/batches/{batch.uuid}/pick/", {"q": "苏区布告"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert public.reference_code in found and secret.reference_code not in found and secret.title not in found
    client.post(f"/manage/digitization/batches/{batch.uuid}/units/", {"unit": [public.reference_code]})
    assert [u.unit_id for u in batch.units.all()] == [public.pk]


def test_folder_upload_file_by_file_resumes_and_imports(
    digitization_env, fonds, make_unit, scan_folder, archivist, django_capture_on_commit_callbacks
) -> None:
    unit = make_unit(pages=2)
    batch = grey_batch("文件夹上传", fonds)
    folder = scan_folder({unit.reference_code: 2})
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.tif"))}
    client = Client()
    client.force_login(archivist)
    started = client.post(
        f"/api/digitization/batches/{batch.uuid}/folder-uploads",
        {"folder_name": "成果", "size": sum(map(len, files.values()))},
        content_type="application/json",
    )
    assert started.status_code == 201
    upload = started.json()["uuid"]
    first, second = files
    put = f"/api/digitization/uploads/{upload}/files"
    assert client.put(put + f"?path={first}", files[first], content_type="application/octet-stream").status_code == 200
    # The connection broke; the page asks what the server holds and sends only the rest.
    held = client.get(put).json()["files"]
    assert held == {first: len(files[first])}
    assert client.put(put + "?path=../escape.tif", b"x", content_type="application/octet-stream").status_code == 422
    done = client.put(put + f"?path={second}", files[second], content_type="application/octet-stream").json()
    assert done["complete"] is True
    with django_capture_on_commit_callbacks(execute=True):
        imported = client.post(
            f"/api/digitization/batches/{batch.uuid}/import", {"upload": upload}, content_type="application/json"
        )
    assert imported.status_code == 202
    batch.refresh_from_db()
    assert batch.status == BatchStatus.INSPECTING, batch.message
    assert PageScan.objects.filter(batch=batch).count() == 2
