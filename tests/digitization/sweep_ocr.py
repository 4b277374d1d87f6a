"""Sweep declarations of the OCR text of digitized pages: its ALTO and plain text beside the IIIF images (whoever the
policy shows the unit), and the correction page (catalog editors who see the unit). A stale save is answered 409:
the sweep's requests are rolled back, but storage is not. See tests/sweep/__init__.py."""

from tests.sweep import Page, expect

VISIBLE = expect(200, security=404, anonymous=404)
HIDDEN = expect(404, archivist_secret=200, archivist_top=200, anonymous=404)
# The correction page: signed in, reading the catalog (else 403), the unit visible (else 404), changing the catalog
# (else 403: the system administrator reads the catalog but changes nothing).
EDIT = expect(403, archivists=200)
SECRET_EDIT = expect(404, archivist_secret=200, archivist_top=200, security=403)
STALE = expect(403, archivists=409)
SECRET_STALE = expect(404, archivist_secret=409, archivist_top=409, security=403)


def stale_save(world: object) -> dict[str, object]:
    return {"version": 99, f"line-{world['@ocrtext.line']}": "巡检校对"}  # type: ignore[index]


PAGES = [
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
