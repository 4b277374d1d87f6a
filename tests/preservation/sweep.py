"""Sweep declarations of preservation: packages (of a visible and of a hidden unit), file downloads, fixity audits,
and their API. See tests/sweep/__init__.py."""

from tests.sweep import Api, Page, expect

READ = expect(200, security=403)
SECRET_READ = expect(404, archivist_secret=200, archivist_top=200, security=403)

PAGES = [
    Page("preservation:package_detail", READ, uuid="@package.public"),
    Page("preservation:package_detail", SECRET_READ, uuid="@package.secret", note="of a 秘密 unit"),
    Page("preservation:file_download", READ, uuid="@package.public", version=1, logical_path="@package.path"),
    Page(
        "preservation:file_download",
        SECRET_READ,
        uuid="@package.secret",
        version=1,
        logical_path="@package.path",
        note="of a 秘密 unit",
    ),
    Page("preservation:audit_list", READ),
    Page("preservation:audit_start", expect(302, security=403), method="POST", data={"kind": "full"}),
    Page("preservation:audit_detail", READ, uuid="@audit"),
    Page("preservation:audit_progress", expect(302, security=403), uuid="@audit", note="plain: to the run's page"),
    Page("preservation:audit_progress", READ, uuid="@audit", headers={"HX-Request": "true"}, note="htmx"),
]

ENDPOINTS = [
    Api("GET /api/units/{unit_id}/package", READ, unit_id="@unit.public", note="no package yet"),
    Api("GET /api/preservation/audits", READ),
    Api("POST /api/preservation/audits", expect(201, security=403)),
    Api("GET /api/preservation/audits/{run_id}", READ, run_id="@audit"),
]
