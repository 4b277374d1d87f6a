"""Sweep declarations of the catalog: fonds, the hierarchy, units (visible and hidden), authorities, imports, and
their API. See tests/sweep/__init__.py."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.sweep import Api, Page, expect
from tests.sweep.world import CSV

HTMX = {"HX-Request": "true"}
READ = expect(200, security=403)  # archivists and the system administrator read (the latter only 公开)
CHANGE = expect(403, archivists=200)
# A 秘密 unit: archivists cleared 秘密 or above see it; for everyone else it does not exist.
SECRET_READ = expect(404, archivist_secret=200, archivist_top=200, security=403)
SECRET_CHANGE = expect(403, archivist_public=404, archivist_secret=200, archivist_top=200)
POSTED = expect(403, archivists=302)
API_READ = READ
API_CHANGE = CHANGE
API_CREATED = expect(403, archivists=201)
API_SECRET_READ = SECRET_READ
API_SECRET_CHANGE = SECRET_CHANGE

PAGES = [
    Page("catalog:fonds_list", READ),
    Page("catalog:fonds_detail", READ, code="@fonds"),
    Page("catalog:fonds_detail", READ, code="@fonds", query={"tab": "list"}, note="the unit list"),
    Page("catalog:fonds_detail", READ, code="@fonds", query={"tab": "list", "q": "巡检"}, note="a search"),
    Page("catalog:tree_children", READ, code="@fonds"),
    Page("catalog:tree_children", READ, code="@fonds", query={"parent": "@unit.series"}, note="a visible node"),
    Page("catalog:renumber", CHANGE, code="@fonds"),
    Page("catalog:unit_create", CHANGE, code="@fonds"),
    Page("catalog:unit_detail", READ, uuid="@unit.public"),
    Page("catalog:unit_detail", SECRET_READ, uuid="@unit.secret", note="a 秘密 unit"),
    Page(
        "catalog:unit_detail",
        READ,
        uuid="@unit.under_secret",
        note="under a 秘密 parent",
        known_leak="the breadcrumbs name the hidden parent (issue #13 §1, being fixed)",
    ),
    Page("catalog:unit_edit", CHANGE, uuid="@unit.public"),
    Page("catalog:unit_edit", SECRET_CHANGE, uuid="@unit.secret", note="a 秘密 unit"),
    Page("catalog:unit_move", CHANGE, uuid="@unit.public"),
    Page("catalog:unit_delete", CHANGE, uuid="@unit.public"),
    Page("catalog:unit_link_authority", POSTED, method="POST", uuid="@unit.public"),
    Page("catalog:unit_unlink_authority", POSTED, method="POST", uuid="@unit.public", link_id="@link.public"),
    Page("catalog:authority_list", READ),
    Page("catalog:authority_detail", READ, uuid="@authority"),
    Page("catalog:authority_create", CHANGE),
    Page("catalog:authority_edit", CHANGE, uuid="@authority"),
    Page("catalog:import_list", CHANGE),
    Page("catalog:import_new", CHANGE),
    Page("catalog:import_detail", CHANGE, uuid="@import"),
    Page("catalog:import_progress", POSTED, uuid="@import", note="a plain request: to the import's page"),
    Page("catalog:import_progress", CHANGE, uuid="@import", headers=HTMX, note="htmx"),
]


def csv_upload(world: object) -> dict[str, object]:
    return {"fonds": "Z109", "dry_run": "true", "file": SimpleUploadedFile("目录.csv", CSV, content_type="text/csv")}


NEW_UNIT = {"fonds": "Z109", "title": "巡检新建文件", "level": "item", "category": "WS", "year": 2011}

ENDPOINTS = [
    Api("GET /api/fonds", API_READ),
    Api("POST /api/fonds", API_CREATED, data={"code": "Z200", "name": "巡检新全宗"}),
    Api("GET /api/fonds/{code}", API_READ, code="@fonds"),
    Api("PATCH /api/fonds/{code}", API_CHANGE, data={"history": "巡检"}, code="@fonds"),
    Api("GET /api/fonds/{code}/children", API_READ, code="@fonds"),
    Api(
        "POST /api/fonds/{code}/renumber",
        API_CHANGE,
        data={
            "category": "WS",
            "year": 2011,
            "retention": "Y",
            "organization": "BGS",
            "first": 1,
            "last": 1,
            "start": 1,
        },
        code="@fonds",
    ),
    Api("GET /api/units", API_READ),
    Api("GET /api/units", API_READ, query={"q": "巡检"}, note="a search"),
    Api("POST /api/units", API_CREATED, data=NEW_UNIT),
    Api("GET /api/units/{unit_id}", API_READ, unit_id="@unit.public"),
    Api("GET /api/units/{unit_id}", API_SECRET_READ, unit_id="@unit.secret", note="a 秘密 unit"),
    Api("GET /api/units/{unit_id}", API_READ, unit_id="@unit.under_secret", note="under a 秘密 parent"),
    Api("PATCH /api/units/{unit_id}", API_CHANGE, data={"remarks": "巡检"}, unit_id="@unit.public"),
    Api("PATCH /api/units/{unit_id}", API_SECRET_CHANGE, data={"remarks": "巡检"}, unit_id="@unit.secret", note="秘密"),
    Api("DELETE /api/units/{unit_id}", expect(403, archivists=204), unit_id="@unit.public"),
    Api("POST /api/units/{unit_id}/move", API_CHANGE, data={"parent": None}, unit_id="@unit.public"),
    Api("GET /api/units/{unit_id}/authorities", API_READ, unit_id="@unit.public"),
    Api(
        "POST /api/units/{unit_id}/authorities",
        API_CREATED,
        data=lambda world: {"authority": world["@authority"], "role": "mentioned"},
        unit_id="@unit.public",
    ),
    Api(
        "DELETE /api/units/{unit_id}/authorities/{link_id}",
        expect(403, archivists=204),
        unit_id="@unit.public",
        link_id="@link.public",
    ),
    Api("GET /api/authorities", API_READ),
    Api("POST /api/authorities", API_CREATED, data={"kind": "person", "name": "巡检人物"}),
    Api("GET /api/authorities/{authority_id}", API_READ, authority_id="@authority"),
    Api("PATCH /api/authorities/{authority_id}", API_CHANGE, data={"dates": "1935"}, authority_id="@authority"),
    Api("POST /api/imports", API_CREATED, data=csv_upload, content_type="multipart/form-data"),
    Api("GET /api/imports/{batch_id}", API_CHANGE, batch_id="@import"),
]
