"""The role sweep: every page and every API endpoint, requested as every role, against what each app declares.

Each app declares its routes next to its tests, in ``tests/<app>/sweep.py``::

    from tests.sweep import Api, Page, expect

    READ = expect(archivists=200, system_admin=200, security=403)
    PAGES = [Page("catalog:unit_detail", READ, uuid="@unit.public"), …]
    ENDPOINTS = [Api("GET /api/units/{unit_id}", READ, unit_id="@unit.public"), …]
    EXCLUDED = {"catalog:some_page": "why it cannot be swept"}

``tests/sweep/test_role_sweep.py`` then (1) fails when a URL pattern or an OpenAPI operation is neither declared nor
excluded with a reason, so a new page cannot be forgotten; (2) requests each one as anonymous, archivists cleared
公开 / 秘密 / 绝密, the system administrator, the security administrator, the security auditor, a reader (查档人) and
the reading room desk (利用服务人员, ``access_staff``), and checks the
declared outcome (200, a redirect to the sign-in page, 403, 404 …), that nothing answers 500, and that no response
shows the title or the UUID of a unit ``catalog.policy`` hides from that person. See docs/development.md.
"""

from .registry import (
    ACCESS_STAFF,
    ANONYMOUS,
    ARCHIVIST_PUBLIC,
    ARCHIVIST_SECRET,
    ARCHIVIST_TOP,
    LOGIN,
    READER,
    ROLES,
    SECURITY_ADMIN,
    SECURITY_AUDITOR,
    SYSTEM_ADMIN,
    Api,
    Page,
    Route,
    expect,
)

__all__ = [
    "ACCESS_STAFF",
    "ANONYMOUS",
    "ARCHIVIST_PUBLIC",
    "ARCHIVIST_SECRET",
    "ARCHIVIST_TOP",
    "LOGIN",
    "READER",
    "ROLES",
    "SECURITY_ADMIN",
    "SECURITY_AUDITOR",
    "SYSTEM_ADMIN",
    "Api",
    "Page",
    "Route",
    "expect",
]
