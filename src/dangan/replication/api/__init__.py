"""The replication app's REST API (mounted at /api/replication/): one router, each part adds its operations in a
module of its own."""

from ninja import Router

router = Router(tags=["replication"])
