"""Sweep declarations of the access app's readers part (gathered by tests/access/sweep.py).

Readers' own pages (/account/) answer a reader; anybody not signed in is sent to the readers' sign-in (a 302 to
/account/login/, not the workspace's), staff get 403. The desk's pages and API (/manage/access/readers/,
/api/access/readers) are for holders of READERS only (access_staff): everyone else 403, a reader too."""

from __future__ import annotations

from typing import Any

from tests.sweep import Api, Page, expect
from tests.sweep.world import World, register_builder


def _readers(world: World) -> None:
    """A reader registered online and waiting for verification (its document is a valid, made-up number)."""
    from dangan.access.actions.readers import do_self_register
    from dangan.access.identity import resident_id_check_character

    first17 = "52010219800101123"
    profile = do_self_register(
        username="sweep-registered-reader",
        password="Sweep-Reader-2024",
        real_name="巡检查档人",
        document_type="resident_id",
        document_number=first17 + resident_id_check_character(first17),
        phone="13800001234",
        consent=True,
    )
    world.objects["readers.pending"] = profile


register_builder("readers", _readers)

# A reader's own page: anonymous → the readers' sign-in (302), staff 403.
OWN = expect(403, anonymous=302, reader=200, access_staff=403)
# The desk's pages: READERS only.
DESK = expect(403, access_staff=200)
DESK_POSTED = expect(403, access_staff=302)
# Open to all: the readers' sign-in and registration (a signed-in reader is sent on to their dashboard).
OPEN = expect(200, anonymous=200, reader=302, access_staff=200)
NEW_READER: dict[str, Any] = {
    "real_name": "巡检",
    "document_type": "resident_id",
    "document_number": "1",
    "phone": "1",
    "consent": True,
}

PAGES = [
    Page("account:home", OWN),
    Page("account:register", OPEN),
    Page(
        "account:register",
        expect(200, anonymous=200, reader=302, access_staff=200),
        method="POST",
        data={"real_name": ""},
        note="an empty form: errors in the page",
    ),
    Page("account:login", OPEN),
    Page("account:logout", expect(405, anonymous=405, reader=405, access_staff=405), note="GET: sign-out is a POST"),
    Page("account:logout", expect(302, anonymous=302, reader=302, access_staff=302), method="POST"),
    Page("account:profile", OWN),
    Page("account:password", OWN),
    Page("account:data_export", OWN),
    Page("account:data_export", OWN, method="POST", data={"format": "json"}, note="the JSON download"),
    Page("access:readers", DESK, needs=("@readers.pending",)),
    Page("access:reader_new", DESK),
    Page("access:reader_detail", DESK, uuid="@readers.pending"),
    Page("access:reader_verify", DESK_POSTED, method="POST", data={"document_checked": "on"}, uuid="@readers.pending"),
    Page("access:reader_deactivate", DESK_POSTED, method="POST", uuid="@readers.pending"),
    Page("access:reader_reactivate", DESK_POSTED, method="POST", uuid="@readers.pending", note="not deactivated"),
    Page("access:reader_reset_password", DESK, method="POST", uuid="@readers.pending"),
    Page("access:reader_export", DESK, uuid="@readers.pending"),
    Page("access:reader_export", DESK, method="POST", data={"format": "json"}, uuid="@readers.pending", note="JSON"),
    Page("access:reader_erase", DESK, uuid="@readers.pending"),
    Page("access:reader_erase", DESK, method="POST", uuid="@readers.pending", note="no reason: errors in the page"),
]

ENDPOINTS = [
    Api("GET /api/access/readers", expect(403, access_staff=200), needs=("@readers.pending",)),
    Api("POST /api/access/readers", expect(403, access_staff=422), data=NEW_READER, note="a wrong document"),
    Api("GET /api/access/readers/{uuid}", expect(403, access_staff=200), uuid="@readers.pending"),
    Api(
        "POST /api/access/readers/{uuid}/verify",
        expect(403, access_staff=200),
        data={"document_checked": True},
        uuid="@readers.pending",
    ),
    Api("GET /api/access/me", expect(403, reader=200, access_staff=403)),
    Api(
        "PATCH /api/access/me",
        expect(403, reader=422, access_staff=403),
        data={"phone": "13800000000"},
        note="the sweep's reader has no profile",
    ),
]
EXCLUDED: dict[str, str] = {}
