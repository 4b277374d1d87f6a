"""Sweep declarations of accession: transfers, their four-property check reports, uploads, the register of
collected material, and their API. Archivists only. See tests/sweep/__init__.py."""

from tests.sweep import Api, Page, expect

ARCHIVISTS = expect(403, archivists=200)
POSTED = expect(403, archivists=302)

PAGES = [
    Page("accession:transfer_list", ARCHIVISTS),
    Page("accession:transfer_new", ARCHIVISTS),
    Page("accession:transfer_detail", ARCHIVISTS, uuid="@transfer"),
    Page("accession:transfer_progress", POSTED, uuid="@transfer", note="plain: to the transfer's page"),
    Page("accession:transfer_progress", ARCHIVISTS, uuid="@transfer", headers={"HX-Request": "true"}, note="htmx"),
    Page("accession:transfer_action", POSTED, method="POST", uuid="@transfer", action="check"),
    Page("accession:report_detail", ARCHIVISTS, uuid="@report"),
    Page("accession:report_pdf", ARCHIVISTS, uuid="@report"),
    Page("accession:report_json", ARCHIVISTS, uuid="@report"),
    Page(
        "accession:item_sign",
        POSTED,
        method="POST",
        data={"result": "pass", "note": "巡检"},
        uuid="@report",
        code="@report.manual_item",
    ),
    Page("accession:acquisition_list", ARCHIVISTS),
    Page("accession:acquisition_new", ARCHIVISTS),
]

ENDPOINTS = [
    Api("POST /api/accession/uploads", expect(403, archivists=201), data={"file_name": "移交.zip", "size": 10}),
    # Another archivist's upload is refused (403), not hidden: an upload is no unit, and its id is random.
    Api("GET /api/accession/uploads/{uuid}", expect(403, archivist_top=200), uuid="@upload"),
    Api(
        "PUT /api/accession/uploads/{uuid}",
        expect(403, archivist_top=200),
        data=b"0123456789",
        content_type="application/octet-stream",
        headers={"Content-Range": "bytes 0-9/10"},
        uuid="@upload",
    ),
    Api(
        "POST /api/accession/transfers",
        expect(403, archivist_top=422),
        data=lambda world: {"upload": world["@upload"]},
        note="an incomplete upload",
    ),
    Api("GET /api/accession/transfers", ARCHIVISTS),
    Api("GET /api/accession/transfers/{uuid}", ARCHIVISTS, uuid="@transfer"),
    Api("POST /api/accession/transfers/{uuid}/check", expect(403, archivists=202), uuid="@transfer"),
    Api("POST /api/accession/transfers/{uuid}/accept", expect(403, archivists=422), uuid="@transfer"),
    Api("POST /api/accession/transfers/{uuid}/reject", ARCHIVISTS, data={"reason": "巡检"}, uuid="@transfer"),
    Api("POST /api/accession/transfers/{uuid}/return", ARCHIVISTS, data={"reason": "巡检"}, uuid="@transfer"),
    Api("GET /api/accession/reports/{uuid}", ARCHIVISTS, uuid="@report"),
    Api("GET /api/accession/reports/{uuid}/pdf", ARCHIVISTS, uuid="@report"),
    Api(
        "POST /api/accession/reports/{uuid}/items/{code}/sign",
        ARCHIVISTS,
        data={"result": "pass"},
        uuid="@report",
        code="@report.manual_item",
    ),
]
