"""Sweep declarations of digitization batches: the batch pages, page images, the sample inspection, and their API.
Archivists only (capability DIGITIZE); a page of a 秘密 unit is a 404 to the archivist cleared 公开 only. The IIIF
Presentation routes and the OCR text are declared in sweep_iiif.py and sweep_ocr.py. See tests/sweep/__init__.py."""

from tests.digitization.sweep_iiif import PAGES as IIIF_PAGES
from tests.digitization.sweep_ocr import ENDPOINTS as OCR_ENDPOINTS
from tests.digitization.sweep_ocr import PAGES as OCR_PAGES
from tests.sweep import Api, Page, expect

ARCHIVISTS = expect(403, archivists=200)
POSTED = expect(403, archivists=302)
HIDDEN_FROM_PUBLIC = expect(403, archivists=200, archivist_public=404)
POSTED_HIDDEN = expect(403, archivists=302, archivist_public=404)

PAGES = [
    Page("digitization:batch_list", ARCHIVISTS),
    Page("digitization:batch_new", ARCHIVISTS),
    Page("digitization:batch_detail", ARCHIVISTS, uuid="@batch"),
    Page("digitization:batch_progress", POSTED, uuid="@batch", note="plain: to the batch's page"),
    Page("digitization:batch_progress", ARCHIVISTS, uuid="@batch", headers={"HX-Request": "true"}, note="htmx"),
    Page("digitization:batch_upload", ARCHIVISTS, uuid="@batch"),
    Page("digitization:unit_picker", POSTED, uuid="@batch", note="plain: to the batch's page"),
    Page(
        "digitization:unit_picker",
        ARCHIVISTS,
        uuid="@batch",
        headers={"HX-Request": "true"},
        query={"q": "巡检"},
        note="htmx: only units the person may see",
    ),
    Page("digitization:batch_action", POSTED, method="POST", uuid="@batch", action="inspect"),
    Page("digitization:page_detail", ARCHIVISTS, pk="@batch.page_public"),
    Page("digitization:page_detail", HIDDEN_FROM_PUBLIC, pk="@batch.page_secret", note="a 秘密 unit's page"),
    Page("digitization:page_image", ARCHIVISTS, pk="@batch.page_public", size="thumb"),
    Page("digitization:page_image", HIDDEN_FROM_PUBLIC, pk="@batch.page_secret", size="view", note="a 秘密 page"),
    Page("digitization:page_replace", POSTED, method="POST", pk="@batch.page_public", note="no file"),
    Page("digitization:page_replace", POSTED_HIDDEN, method="POST", pk="@batch.page_secret", note="a 秘密 page"),
    Page("digitization:inspection", ARCHIVISTS, uuid="@batch.inspection"),
    Page(
        "digitization:inspection_verdict",
        POSTED,
        method="POST",
        data={"verdict": "pass", "note": ""},
        pk="@batch.item_public",
    ),
    Page(
        "digitization:inspection_verdict",
        POSTED_HIDDEN,
        method="POST",
        data={"verdict": "pass", "note": ""},
        pk="@batch.item_secret",
        note="a 秘密 page",
    ),
]

ENDPOINTS = [
    Api("GET /api/digitization/batches", ARCHIVISTS, needs=("@batch",)),
    Api("POST /api/digitization/batches", expect(403, archivists=422), data={"name": "", "fonds": "Z109"}),
    Api("GET /api/digitization/batches/{uuid}", ARCHIVISTS, uuid="@batch"),
    Api(
        "POST /api/digitization/batches/{uuid}/units",
        expect(403, archivists=422),
        data={"units": []},
        uuid="@batch",
        note="the batch is being inspected",
    ),
    Api("GET /api/digitization/batches/{uuid}/pages", ARCHIVISTS, uuid="@batch"),
    Api("GET /api/digitization/batches/{uuid}/problems", ARCHIVISTS, uuid="@batch"),
    Api(
        "POST /api/digitization/batches/{uuid}/uploads",
        expect(403, archivists=201),
        data={"file_name": "成果.zip", "size": 10},
        uuid="@batch",
    ),
    # Another archivist's upload is refused (403), not hidden: an upload is no unit, and its id is random.
    Api("GET /api/digitization/uploads/{uuid}", expect(403, archivist_top=200), uuid="@batch.upload"),
    Api(
        "PUT /api/digitization/uploads/{uuid}",
        expect(403, archivist_top=200),
        data=b"0123456789",
        content_type="application/octet-stream",
        headers={"Content-Range": "bytes 0-9/10"},
        uuid="@batch.upload",
    ),
    Api(
        "POST /api/digitization/batches/{uuid}/folder-uploads",
        expect(403, archivists=201),
        data={"folder_name": "成果", "size": 10},
        uuid="@batch",
    ),
    Api("GET /api/digitization/uploads/{uuid}/files", expect(403, archivist_top=200), uuid="@batch.folder_upload"),
    Api(
        "PUT /api/digitization/uploads/{uuid}/files",
        expect(403, archivist_top=200),
        data=b"0123456789",
        content_type="application/octet-stream",
        query={"path": "卷一/0001.tif"},
        uuid="@batch.folder_upload",
    ),
    Api(
        "POST /api/digitization/batches/{uuid}/import",
        expect(403, archivist_top=422),
        data=lambda world: {"upload": world["@batch.upload"]},
        uuid="@batch",
        note="ten bytes are no .zip",
    ),
    Api("POST /api/digitization/batches/{uuid}/inspection", ARCHIVISTS, uuid="@batch"),
    Api(
        "POST /api/digitization/inspection-items/{item_id}/verdict",
        ARCHIVISTS,
        data={"verdict": "pass"},
        item_id="@batch.item_public",
    ),
    Api(
        "POST /api/digitization/inspection-items/{item_id}/verdict",
        HIDDEN_FROM_PUBLIC,
        data={"verdict": "pass"},
        item_id="@batch.item_secret",
        note="a 秘密 page",
    ),
    Api(
        "POST /api/digitization/batches/{uuid}/accept",
        expect(403, archivists=409),
        data={"version": 0},
        uuid="@batch",
        note="a stale version",
    ),
    Api(
        "POST /api/digitization/pages/{page_id}/replace",
        expect(403, archivists=422),
        page_id="@batch.page_public",
        note="no file",
    ),
    Api(
        "POST /api/digitization/pages/{page_id}/replace",
        expect(403, archivists=422, archivist_public=404),
        page_id="@batch.page_secret",
        note="a 秘密 page, no file",
    ),
    Api("POST /api/digitization/batches/{uuid}/preserve", expect(403, archivists=422), uuid="@batch"),
]

PAGES += [*IIIF_PAGES, *OCR_PAGES]
ENDPOINTS += OCR_ENDPOINTS
