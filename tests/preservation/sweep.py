"""Sweep declarations of preservation: packages (of a visible, a hidden and a disposed-of unit), file downloads,
uploads of files to a unit's package, fixity audits (one found a problem in a hidden package), and their API. See
tests/sweep/__init__.py."""

import itertools

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.sweep import Api, Page, expect

READ = expect(200, security=403)
SECRET_READ = expect(404, archivist_secret=200, archivist_top=200, security=403)
# A disposed-of 秘密 unit's package: kept, and shown through the register of disposals to archivists cleared for it;
# the system administrator, who reads no register, finds it as hidden as the unit.
DISPOSED_READ = SECRET_READ
# Uploading files to a unit's package: archivists; the system administrator reads the catalog but preserves nothing.
# Whether the unit is visible is asked first: a hidden one is a 404 for everyone who reads the catalog.
UPLOAD_PAGE = expect(403, archivists=200)
SECRET_UPLOAD_PAGE = expect(404, archivist_secret=200, archivist_top=200, security=403)
UPLOADED = expect(403, archivists=302)
SECRET_UPLOADED = expect(404, archivist_secret=302, archivist_top=302, security=403)
DISPOSED = ("@disposal.package",)
# A fixity audit is started by those who change or configure the catalog; the reading room desk reads it only.
START_AUDIT = expect(302, security=403, access_staff=403)
# IIIF images: as the package's unit, and a 404 (never a sign-in redirect) for anyone the policy hides it from.
IMAGE_READ = expect(200, security=404, anonymous=404)
SECRET_IMAGE_READ = expect(404, archivist_secret=200, archivist_top=200, anonymous=404)


_uploads = itertools.count(1)


def upload(world: object) -> dict[str, object]:
    """A file unlike any uploaded before: storage is not rolled back with the database after each request, and a
    file the package already holds makes no new version (200 instead of 201)."""
    text = f"巡检补充的说明，第 {next(_uploads)} 次上传\n"
    return {"files": SimpleUploadedFile("补充说明.txt", text.encode()), "message": "巡检补充"}


PAGES = [
    Page("preservation:package_detail", READ, uuid="@package.public"),
    Page("preservation:package_detail", SECRET_READ, uuid="@package.secret", note="of a 秘密 unit"),
    Page(
        "preservation:package_detail",
        DISPOSED_READ,
        uuid="@disposal.package",
        shows_register=True,
        note="of a 秘密 unit disposed of",
    ),
    Page("preservation:file_download", READ, uuid="@package.public", version=1, logical_path="@package.path"),
    Page(
        "preservation:file_download",
        SECRET_READ,
        uuid="@package.secret",
        version=1,
        logical_path="@package.path",
        note="of a 秘密 unit",
    ),
    Page(
        "preservation:file_download",
        DISPOSED_READ,
        uuid="@disposal.package",
        version=1,
        logical_path="@package.path",
        shows_register=True,
        note="of a 秘密 unit disposed of",
    ),
    Page("preservation:unit_files", UPLOAD_PAGE, uuid="@unit.public"),
    Page("preservation:unit_files", SECRET_UPLOAD_PAGE, uuid="@unit.secret", note="a 秘密 unit"),
    Page("preservation:unit_files", expect(404, security=403), uuid="@unit.disposed", needs=DISPOSED, note="gone"),
    Page("preservation:unit_files", UPLOADED, method="POST", data=upload, uuid="@unit.public", note="uploaded"),
    Page(
        "preservation:unit_files",
        SECRET_UPLOADED,
        method="POST",
        data=upload,
        uuid="@unit.secret",
        note="a 秘密 unit, uploaded",
    ),
    Page("preservation:audit_list", READ, needs=("@audit",)),
    Page("preservation:audit_start", START_AUDIT, method="POST", data={"kind": "full"}),
    Page("preservation:audit_detail", READ, uuid="@audit"),
    Page("preservation:audit_progress", expect(302, security=403), uuid="@audit", note="plain: to the run's page"),
    Page("preservation:audit_progress", READ, uuid="@audit", headers={"HX-Request": "true"}, note="htmx"),
    # The IIIF Image API (dangan.preservation.iiif): whoever the policy lets see the unit; everyone else, signed in
    # or not, finds it as absent as an unknown image (404). The redirect to info.json is the same for every id.
    Page("iiif:base", expect(303, anonymous=303), identifier="@image.public"),
    Page("iiif:info", IMAGE_READ, identifier="@image.public"),
    Page("iiif:info", SECRET_IMAGE_READ, identifier="@image.secret", note="of a 秘密 unit"),
    Page(
        "iiif:image",
        IMAGE_READ,
        identifier="@image.public",
        region="full",
        size="max",
        rotation="0",
        quality_format="default.jpg",
    ),
    Page(
        "iiif:image",
        SECRET_IMAGE_READ,
        identifier="@image.secret",
        region="0,0,256,256",
        size="128,",
        rotation="0",
        quality_format="default.jpg",
        note="a tile of a 秘密 unit's image",
    ),
]

ENDPOINTS = [
    Api("GET /api/units/{unit_id}/package", READ, unit_id="@unit.public", needs=("@package.public",)),
    Api("GET /api/units/{unit_id}/package", SECRET_READ, unit_id="@unit.secret", note="a 秘密 unit"),
    Api(
        "GET /api/units/{unit_id}/package",
        DISPOSED_READ,
        unit_id="@unit.disposed",
        needs=DISPOSED,
        shows_register=True,
        note="a 秘密 unit disposed of",
    ),
    Api("GET /api/units/{unit_id}/package", expect(404, security=403), unit_id="@unit.internal", note="no package"),
    # Only the packages of units in the holdings the reader may see: not the hidden one, not the disposed-of one.
    Api("GET /api/preservation/packages", READ, needs=("@package.public", *DISPOSED)),
    Api(
        "POST /api/units/{unit_id}/files",
        expect(403, archivists=201),
        data=upload,
        content_type="multipart/form-data",
        unit_id="@unit.public",
    ),
    Api(
        "POST /api/units/{unit_id}/files",
        expect(404, archivist_secret=201, archivist_top=201, security=403),
        data=upload,
        content_type="multipart/form-data",
        unit_id="@unit.secret",
        note="a 秘密 unit",
    ),
    Api("GET /api/preservation/audits", READ, needs=("@audit",)),
    # The world's audit has finished: nothing is queued or running, so a new one starts.
    Api("POST /api/preservation/audits", expect(201, security=403, access_staff=403), needs=("@audit",)),
    Api("GET /api/preservation/audits/{run_id}", READ, run_id="@audit"),
]
