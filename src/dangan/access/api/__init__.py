"""The access app's API under /api/access/: one router per part, mounted here."""

from ninja import Router

from . import copies, openness, portal, readers, reading_room, register, requests

router = Router()
for part in (portal, readers, requests, reading_room, copies, register, openness):
    router.add_router("/access/", part.router)
