"""Every list has one filter class, shared by its workspace page and its API endpoint (utilities.filters), and every
list endpoint pages the same way: ``?page=&size=`` within bounds (else 422), answered with
``{items, page, size, total, pages, has_next}`` (docs/development/api.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangan.core.actors import CONSOLE

pytestmark = pytest.mark.django_db

ENVELOPE = {"items", "page", "size", "total", "pages", "has_next"}


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def lists(fonds: Any, categories: Any, archivist: Any) -> dict[str, Any]:
    """A few rows in every list, of two kinds each, so that a filter visibly keeps one kind."""
    from dangan.accession.actions.receiving import do_register_acquisition
    from dangan.accession.models import Transfer
    from dangan.catalog.actions.authorities import do_create_authority
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import ImportBatch
    from dangan.core.audit import log
    from dangan.preservation.models import AuditRun
    from dangan.search.models import DictionaryTerm

    do_create_authority(CONSOLE, {"kind": "place", "name": "遵义"})
    do_create_authority(CONSOLE, {"kind": "person", "name": "陈云"})
    unit = do_create_unit(CONSOLE, fonds, {"title": "关于遵义会议的报告", "category": categories["WS"], "year": 1935})
    ImportBatch.objects.create(fonds=fonds, user=archivist, file_name="一九三五.xlsx", status="done")
    ImportBatch.objects.create(fonds=fonds, user=archivist, file_name="坏文件.csv", status="invalid")
    Transfer.objects.create(fonds=fonds, transferring_unit="遵义市档案馆", bag_path="/x", status="received")
    Transfer.objects.create(fonds=fonds, transferring_unit="毕节市档案馆", bag_path="/y", status="rejected")
    do_register_acquisition(archivist, {"source": "陈氏家族", "description": "家书 12 封"})
    do_register_acquisition(archivist, {"source": "黔东南州博物馆", "description": "照片 3 张"})
    AuditRun.objects.create(status="passed", kind="full")
    AuditRun.objects.create(status="failed", kind="sample", sample_percent=5)
    # Rows only: adding words through the action would change the analyser for the tests after this one.
    DictionaryTerm.objects.create(term="娄山关", kind="place")
    DictionaryTerm.objects.create(term="扶贫办", kind="institution")
    log(unit, "catalog.unit.update", archivist, {"fields": ["title"]})
    return {"unit": unit}


def test_every_list_endpoint_pages_the_same_way_and_refuses_out_of_range(lists, archivist):
    client = signed_in(archivist)
    for url in (
        "/api/fonds",
        "/api/units",
        "/api/authorities",
        "/api/imports",
        "/api/accession/transfers",
        "/api/preservation/packages",
        "/api/preservation/audits",
        "/api/search",
    ):
        body = client.get(url, {"size": 1}).json()
        assert set(body) >= ENVELOPE, url
        assert body["page"] == 1 and body["size"] == 1 and len(body["items"]) <= 1, url
        for bad in ({"page": 0}, {"page": -3}, {"page": 10**12}, {"size": 0}, {"size": 10**6}, {"page": "二"}):
            response = client.get(url, bad)
            assert response.status_code == 422 and set(response.json()["errors"]) <= {"page", "size"}, (url, bad)


@pytest.mark.parametrize(
    ("api", "page", "params", "kept", "dropped"),
    [
        ("/api/authorities", "catalog:authority_list", {"kind": "place"}, "遵义", "陈云"),
        ("/api/authorities", "catalog:authority_list", {"q": "陈"}, "陈云", "遵义"),
        ("/api/imports", "catalog:import_list", {"status": "invalid"}, "坏文件.csv", "一九三五.xlsx"),
        ("/api/imports", "catalog:import_list", {"q": "一九"}, "一九三五.xlsx", "坏文件.csv"),
        ("/api/accession/transfers", "accession:transfer_list", {"status": "rejected"}, "毕节市档案馆", "遵义市档案馆"),
        ("/api/accession/transfers", "accession:transfer_list", {"q": "遵义"}, "遵义市档案馆", "毕节市档案馆"),
        (None, "accession:acquisition_list", {"q": "陈氏"}, "陈氏家族", "黔东南州博物馆"),
        (None, "search:dictionary", {"kind": "place"}, "娄山关", "扶贫办"),
    ],
)
def test_the_page_and_the_endpoint_filter_alike(lists, archivist, api, page, params, kept, dropped):
    client = signed_in(archivist)
    html = client.get(reverse(page), params).content.decode()
    assert kept in html and dropped not in html
    if api:
        text = json.dumps(client.get(api, params).json()["items"], ensure_ascii=False)
        assert kept in text and dropped not in text


def test_audits_filter_on_the_page_and_in_the_api(lists, archivist):
    from dangan.preservation.models import AuditRun

    client = signed_in(archivist)
    failed = AuditRun.objects.get(status="failed")
    body = client.get("/api/preservation/audits", {"status": "failed"}).json()
    assert [item["uuid"] for item in body["items"]] == [str(failed.uuid)] and body["total"] == 1
    assert client.get("/api/preservation/audits", {"kind": "sample"}).json()["total"] == 1
    html = client.get(reverse("preservation:audit_list"), {"status": "passed"}).content.decode()
    assert reverse("preservation:audit_detail", args=[failed.uuid]) not in html


def test_a_bad_filter_value_is_a_422_per_parameter_in_the_api(lists, archivist):
    client = signed_in(archivist)
    for url, params, name in (
        ("/api/authorities", {"kind": "planet"}, "kind"),
        ("/api/imports", {"dry_run": "perhaps"}, "dry_run"),
        ("/api/accession/transfers", {"status": "lost"}, "status"),
        ("/api/preservation/audits", {"ordering": "size"}, "ordering"),
        ("/api/preservation/packages", {"fixity_status": "fine"}, "fixity_status"),
        ("/api/fonds", {"q": "全" * 201}, "q"),
    ):
        response = client.get(url, params)
        assert response.status_code == 422, url
        body = response.json()
        assert body["detail"].startswith("筛选条件有误") and set(body["errors"]) == {name}, (url, body)
    # On the page the same mistake shows everything rather than an error page.
    assert signed_in(archivist).get(reverse("catalog:authority_list"), {"kind": "planet"}).status_code == 200


def test_packages_are_listed_only_where_their_unit_is_visible(fonds, categories, archivist, junior_archivist):
    from dangan.preservation.models import PreservedPackage

    def package_for(title: str, level: str) -> Any:
        from dangan.catalog.actions.units import do_create_unit

        unit = do_create_unit(CONSOLE, fonds, {"title": title, "classification": level, "year": 2016})
        return PreservedPackage.objects.create(
            unit=unit,
            unit_uuid=unit.uuid,
            label=unit.title,
            reference_code=unit.reference_code or "",
            object_path=f"x/{unit.uuid}",
            head_version="v1",
            package_created=timezone.now(),
        )

    public, secret = package_for("公开的批复", "public"), package_for("秘密的请示", "secret")
    mine = signed_in(archivist).get("/api/preservation/packages").json()
    assert {i["unit"] for i in mine["items"]} == {str(public.unit_uuid), str(secret.unit_uuid)}
    junior = signed_in(junior_archivist).get("/api/preservation/packages").json()
    assert [i["unit"] for i in junior["items"]] == [str(public.unit_uuid)] and junior["total"] == 1


def test_the_audit_log_filter_reads_the_pages_parameters(lists, archivist):
    from dangan.core.filters import AuditEntryFilter

    today = timezone.localdate().isoformat()
    found = AuditEntryFilter.from_params({"action": "catalog.unit.update", "user": "archiv", "date_to": today})
    assert not found.errors
    entries = list(found.apply(archivist))
    assert entries and {e.action for e in entries} == {"catalog.unit.update"}
    wrong = AuditEntryFilter.from_params({"action": "nothing.of.the.kind", "date_from": "昨天"})
    assert set(wrong.errors) == {"action", "date_from"}
    assert AuditEntryFilter.from_params({"date_from": "2999-01-01"}).apply(archivist).count() == 0
