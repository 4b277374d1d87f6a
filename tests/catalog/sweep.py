"""Sweep declarations of the catalog: fonds (and their export), the hierarchy, units (visible, hidden, disposed of),
disposal requests and the register of disposals, authorities, imports, and their API. See tests/sweep/__init__.py."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.sweep import Api, Page, expect
from tests.sweep.world import CHECKED_CSV, CSV

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
# Exports: whoever reads the catalog, each file holding only what the policy shows them (the system administrator:
# 公开 only); the security roles read no catalog.
EXPORT = expect(200, security=403)
SECRET_POSTED = expect(403, archivist_public=404, archivist_secret=302, archivist_top=302)
# A disposed-of unit is out of the holdings: nobody finds it among them.
DISPOSED = expect(404, security=403)
# The register of disposals: those who change the catalog read it; a disposed-of unit's record is shown there.
DISPOSALS = ("@disposal.public", "@disposal.secret", "@disposal.approved")
FONDS_FORM = {
    "code": "Z109",
    "name": "贵州省扶贫开发办公室",
    "creator": "贵州省扶贫开发办公室",
    "arrangement": "year-org-retention",
}
REASON = {"reason": "保管期限已满，鉴定销毁"}

PAGES = [
    Page("catalog:fonds_list", READ),
    Page("catalog:fonds_detail", READ, code="@fonds"),
    Page("catalog:fonds_detail", READ, code="@fonds", query={"tab": "list"}, note="the unit list"),
    Page("catalog:fonds_detail", READ, code="@fonds", query={"tab": "list", "q": "巡检"}, note="a search"),
    Page("catalog:tree_children", READ, code="@fonds"),
    Page("catalog:tree_children", READ, code="@fonds", query={"parent": "@unit.series"}, note="a visible node"),
    Page("catalog:fonds_edit", CHANGE, code="@fonds"),
    Page("catalog:fonds_edit", POSTED, method="POST", data=FONDS_FORM, code="@fonds", note="saved"),
    Page("catalog:fonds_export", EXPORT, method="POST", data={"export": "fonds:csv"}, code="@fonds", note="all"),
    Page(
        "catalog:fonds_export",
        EXPORT,
        method="POST",
        data=lambda world: {
            "export": "selection:csv",
            "unit": [world["@unit.public"], world["@unit.secret"], world["@unit.top_secret"]],
        },
        code="@fonds",
        note="ticked units, hidden ones among them",
    ),
    Page(
        "catalog:fonds_export",
        EXPORT,
        method="POST",
        data={"export": "filter:csv", "classification": "secret"},
        code="@fonds",
        note="a filter on 秘密",
    ),
    Page("catalog:renumber", CHANGE, code="@fonds"),
    Page("catalog:unit_create", CHANGE, code="@fonds"),
    Page("catalog:unit_detail", READ, uuid="@unit.public"),
    Page("catalog:unit_detail", SECRET_READ, uuid="@unit.secret", note="a 秘密 unit"),
    Page("catalog:unit_detail", READ, uuid="@unit.under_secret", note="under a 秘密 parent"),
    Page("catalog:unit_detail", DISPOSED, uuid="@unit.disposed", needs=DISPOSALS, note="disposed of"),
    Page("catalog:unit_edit", CHANGE, uuid="@unit.public"),
    Page("catalog:unit_edit", SECRET_CHANGE, uuid="@unit.secret", note="a 秘密 unit"),
    Page("catalog:unit_move", CHANGE, uuid="@unit.public"),
    Page("catalog:unit_delete", CHANGE, uuid="@unit.public"),
    Page("catalog:unit_dispose", CHANGE, uuid="@unit.public"),
    Page("catalog:unit_dispose", SECRET_CHANGE, uuid="@unit.secret", note="a 秘密 unit"),
    Page("catalog:unit_dispose", POSTED, method="POST", data=REASON, uuid="@unit.public", note="asked for"),
    Page(
        "catalog:unit_dispose", SECRET_POSTED, method="POST", data=REASON, uuid="@unit.secret", note="秘密, asked for"
    ),
    Page("catalog:unit_dispose", expect(403, archivists=404), uuid="@unit.disposed", needs=DISPOSALS, note="gone"),
    Page("catalog:disposal_list", CHANGE, needs=DISPOSALS, shows_register=True),
    Page("catalog:disposal_list", CHANGE, query={"status": "all"}, needs=DISPOSALS, shows_register=True, note="all"),
    Page("catalog:disposal_detail", CHANGE, uuid="@disposal.public", shows_register=True),
    Page("catalog:disposal_detail", SECRET_CHANGE, uuid="@disposal.secret", shows_register=True, note="of a 秘密 unit"),
    Page(
        "catalog:disposal_detail",
        SECRET_CHANGE,
        uuid="@disposal.approved",
        shows_register=True,
        note="a 秘密 unit disposed of",
    ),
    # Approving one's own request is refused with a message on the entry's page, like any refused decision.
    Page(
        "catalog:disposal_decide",
        POSTED,
        method="POST",
        data={"decision": "approve", "note": "同意"},
        uuid="@disposal.public",
        note="approve",
    ),
    Page(
        "catalog:disposal_decide",
        SECRET_POSTED,
        method="POST",
        data={"decision": "reject", "note": "尚需保存"},
        uuid="@disposal.secret",
        note="reject, of a 秘密 unit",
    ),
    Page("catalog:unit_link_authority", POSTED, method="POST", uuid="@unit.public"),
    Page("catalog:unit_unlink_authority", POSTED, method="POST", uuid="@unit.public", link_id="@link.public"),
    Page("catalog:authority_list", READ),
    Page("catalog:authority_detail", READ, uuid="@authority"),
    Page("catalog:authority_create", CHANGE),
    Page("catalog:authority_picker", READ, query={"name": "脱贫"}, headers=HTMX, needs=("@authority",)),
    Page("catalog:authority_edit", CHANGE, uuid="@authority"),
    Page("catalog:import_list", CHANGE),
    Page("catalog:import_new", CHANGE),
    Page("catalog:import_detail", CHANGE, uuid="@import"),
    Page("catalog:import_progress", POSTED, uuid="@import", note="a plain request: to the import's page"),
    Page("catalog:import_progress", CHANGE, uuid="@import", headers=HTMX, note="htmx"),
    Page("catalog:import_detail", CHANGE, uuid="@import.checked", note="a passed dry run"),
    # The uploader imports it (to the new batch's page); another archivist is told only the uploader may.
    Page("catalog:import_checked", POSTED, method="POST", uuid="@import.checked"),
]


def csv_upload(world: object) -> dict[str, object]:
    """The file of the world's dry run, which is still queued: a second one is refused (409) while it waits."""
    return {"fonds": "Z109", "dry_run": "true", "file": SimpleUploadedFile("目录.csv", CSV, content_type="text/csv")}


def other_csv_upload(world: object) -> dict[str, object]:
    """A file no import is waiting for."""
    upload = SimpleUploadedFile("正式目录.csv", CHECKED_CSV, content_type="text/csv")
    return {"fonds": "Z109", "dry_run": "true", "file": upload}


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
    Api("DELETE /api/units/{unit_id}", expect(403, archivists=204), unit_id="@unit.under_secret"),
    # A unit whose files are preserved is not deleted: it is disposed of (a request, then a second person).
    Api(
        "DELETE /api/units/{unit_id}",
        expect(403, archivists=422),
        unit_id="@unit.public",
        needs=("@package.public",),
        note="preserved",
    ),
    Api(
        "DELETE /api/units/{unit_id}",
        expect(403, archivists=404, archivist_top=204),
        unit_id="@unit.top_secret",
        note="a 绝密 unit",
    ),
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
    Api("GET /api/imports", API_CHANGE, needs=("@import",)),
    Api("POST /api/imports", API_CREATED, data=other_csv_upload, content_type="multipart/form-data"),
    Api(
        "POST /api/imports",
        expect(403, archivists=409),
        data=csv_upload,
        content_type="multipart/form-data",
        needs=("@import",),
        note="the file of a queued import",
    ),
    Api("GET /api/imports/{batch_id}", API_CHANGE, batch_id="@import"),
    Api("GET /api/imports/{batch_id}", API_CHANGE, batch_id="@import.checked", note="a passed dry run"),
    # Only the uploader imports a dry run's file (its rows hold values only they may read).
    Api("POST /api/imports/{batch_id}/import", expect(403, archivist_top=201), batch_id="@import.checked"),
    Api(
        "POST /api/imports/{batch_id}/import",
        expect(403, archivist_top=422),
        batch_id="@import",
        note="a dry run not yet checked",
    ),
    Api("POST /api/units/{unit_id}/disposal", API_CREATED, data=REASON, unit_id="@unit.public"),
    Api(
        "POST /api/units/{unit_id}/disposal",
        expect(403, archivist_public=404, archivist_secret=201, archivist_top=201),
        data=REASON,
        unit_id="@unit.secret",
        note="a 秘密 unit",
    ),
    Api(
        "POST /api/units/{unit_id}/disposal",
        expect(403, archivists=404),
        data=REASON,
        unit_id="@unit.disposed",
        needs=DISPOSALS,
        note="disposed of already",
    ),
    Api("GET /api/disposals", API_CHANGE, needs=DISPOSALS, shows_register=True),
    Api("GET /api/disposals/{disposal_id}", API_CHANGE, disposal_id="@disposal.public", shows_register=True),
    Api(
        "GET /api/disposals/{disposal_id}",
        API_SECRET_CHANGE,
        disposal_id="@disposal.secret",
        shows_register=True,
        note="of a 秘密 unit",
    ),
    Api(
        "GET /api/disposals/{disposal_id}",
        API_SECRET_CHANGE,
        disposal_id="@disposal.approved",
        shows_register=True,
        note="a 秘密 unit disposed of",
    ),
    # The requester (the archivist cleared 绝密) may withdraw, never approve or reject: a second person decides.
    Api(
        "POST /api/disposals/{disposal_id}/approve",
        expect(403, archivists=200, archivist_top=403),
        data={"note": "同意"},
        disposal_id="@disposal.public",
        shows_register=True,
    ),
    Api(
        "POST /api/disposals/{disposal_id}/approve",
        expect(403, archivist_public=404, archivist_secret=200),
        data={"note": "同意"},
        disposal_id="@disposal.secret",
        shows_register=True,
        note="of a 秘密 unit",
    ),
    Api(
        "POST /api/disposals/{disposal_id}/approve",
        expect(403, archivist_public=404, archivist_secret=422, archivist_top=422),
        data={"note": "同意"},
        disposal_id="@disposal.approved",
        shows_register=True,
        note="decided already",
    ),
    Api(
        "POST /api/disposals/{disposal_id}/reject",
        expect(403, archivists=200, archivist_top=403),
        data={"note": "尚需保存"},
        disposal_id="@disposal.public",
        shows_register=True,
    ),
    Api(
        "POST /api/disposals/{disposal_id}/reject",
        expect(403, archivist_public=404, archivist_secret=200),
        data={"note": "尚需保存"},
        disposal_id="@disposal.secret",
        shows_register=True,
        note="of a 秘密 unit",
    ),
    Api(
        "POST /api/disposals/{disposal_id}/withdraw",
        expect(403, archivist_top=200),
        disposal_id="@disposal.public",
        shows_register=True,
    ),
    Api(
        "POST /api/disposals/{disposal_id}/withdraw",
        expect(403, archivist_public=404, archivist_top=200),
        disposal_id="@disposal.secret",
        shows_register=True,
        note="of a 秘密 unit",
    ),
]
