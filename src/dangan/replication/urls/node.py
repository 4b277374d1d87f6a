"""The node-to-node protocol under /replication/ (namespace ``replication_node``): every request is signed by a
paired node and checked against its pinned key, every answer signed by this node (crypto.messages); no session,
no CSRF, no catalog data — only envelopes this node keeps for the partner that asks. Each part adds
``*<part>.node_urls``."""

from django.urls import URLPattern

from dangan.replication.views import identity, protocol

app_name = "replication_node"
urlpatterns: list[URLPattern] = [
    *identity.node_urls,
    *protocol.node_urls,
]
