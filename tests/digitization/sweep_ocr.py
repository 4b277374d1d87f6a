"""Sweep declarations of the OCR text of digitized pages: its ALTO and plain text beside the IIIF images (whoever the
policy shows the unit), and the correction page (catalog editors who see the unit). A stale save is answered 409:
the sweep's requests are rolled back, but storage is not. See tests/sweep/__init__.py."""

from tests.sweep import Api, Page, expect

# The conservation staff read units up to their clearance (catalog.policy.CLEARED_ROLES): their text too.
VISIBLE = expect(200, security=404, anonymous=404, conservators=200)
HIDDEN = expect(404, archivist_secret=200, archivist_top=200, anonymous=404, conservator=200)
# The correction page: signed in, reading the catalog (else 403), the unit visible (else 404), changing the catalog
# (else 403: the system administrator reads the catalog but changes nothing).
EDIT = expect(403, archivists=200)
SECRET_EDIT = expect(404, archivist_secret=200, archivist_top=200, security=403)
STALE = expect(403, archivists=409)
SECRET_STALE = expect(404, archivist_secret=409, archivist_top=409, security=403)


def stale_save(world: object) -> dict[str, object]:
    return {"version": 99, f"line-{world['@ocrtext.line']}": "巡检校对"}  # type: ignore[index]


PAGES = [
    # The 识别文本 panel polled by htmx (plain: to the unit's page): whoever reads the catalog and sees the unit.
    Page(
        "digitization:text_progress", expect(200, security=403), uuid="@ocrtext.public", headers={"HX-Request": "true"}
    ),
    Page(
        "digitization:text_progress",
        expect(404, archivist_secret=200, archivist_top=200, security=403),
        uuid="@ocrtext.secret",
        headers={"HX-Request": "true"},
        note="of a 秘密 unit",
    ),
    Page("digitization:text_progress", expect(302, security=403), uuid="@ocrtext.public", note="plain: to the unit"),
    # Starting OCR of a series (no pages of its own): refused with a message, back to the unit's page.
    Page("digitization:unit_ocr", expect(403, archivists=302), method="POST", uuid="@unit.series"),
    Page(
        "digitization:unit_ocr",
        expect(404, archivist_secret=302, archivist_top=302, security=403),
        method="POST",
        uuid="@unit.secret_series",
        note="a 秘密 series",
    ),
    Page("ocrtext:alto", VISIBLE, uuid="@ocrtext.public", page=1),
    Page("ocrtext:alto", HIDDEN, uuid="@ocrtext.secret", page=1, note="of a 秘密 unit"),
    Page("ocrtext:text", VISIBLE, uuid="@ocrtext.public", page=1),
    Page("ocrtext:text", HIDDEN, uuid="@ocrtext.secret", page=1, note="of a 秘密 unit"),
    Page("digitization:page_text", EDIT, uuid="@ocrtext.public", page=1),
    Page("digitization:page_text", SECRET_EDIT, uuid="@ocrtext.secret", page=1, note="of a 秘密 unit"),
    Page("digitization:page_text", STALE, method="POST", data=stale_save, uuid="@ocrtext.public", page=1),
    Page(
        "digitization:page_text",
        SECRET_STALE,
        method="POST",
        data=stale_save,
        uuid="@ocrtext.secret",
        page=1,
        note="of a 秘密 unit",
    ),
]

# The API: reading needs the catalog (the system administrator reads, the security roles do not: 403), changing it
# needs CATALOG_CHANGE; a hidden unit is a 404 for every reader of the catalog.
API_READ = expect(200, security=403)
API_HIDDEN = expect(404, archivist_secret=200, archivist_top=200, security=403)


def stale_patch(world: object) -> dict[str, object]:
    return {"lines": {world["@ocrtext.line"]: "巡检校对"}, "version": 99}  # type: ignore[index]


ENDPOINTS = [
    Api("GET /api/digitization/units/{unit_id}/text", API_READ, unit_id="@ocrtext.public"),
    Api("GET /api/digitization/units/{unit_id}/text", API_HIDDEN, unit_id="@ocrtext.secret", note="of a 秘密 unit"),
    Api("GET /api/digitization/units/{unit_id}/text/{page}", API_READ, unit_id="@ocrtext.public", page=1),
    Api(
        "GET /api/digitization/units/{unit_id}/text/{page}",
        API_HIDDEN,
        unit_id="@ocrtext.secret",
        page=1,
        note="of a 秘密 unit",
    ),
    Api(
        "PATCH /api/digitization/units/{unit_id}/text/{page}",
        expect(403, archivists=409),
        data=stale_patch,
        unit_id="@ocrtext.public",
        page=1,
        note="a stale version",
    ),
    Api(
        "PATCH /api/digitization/units/{unit_id}/text/{page}",
        expect(403, archivists=409, archivist_public=404),
        data=stale_patch,
        unit_id="@ocrtext.secret",
        page=1,
        note="of a 秘密 unit, a stale version",
    ),
    Api(
        "POST /api/digitization/units/{unit_id}/ocr",
        expect(403, archivists=422),
        unit_id="@unit.series",
        note="a series: no pages of its own",
    ),
    Api(
        "POST /api/digitization/units/{unit_id}/ocr",
        expect(403, archivist_secret=422, archivist_top=422, archivist_public=404),
        unit_id="@unit.secret_series",
        note="a 秘密 series: no pages of its own",
    ),
]
