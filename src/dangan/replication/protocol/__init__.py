"""The node-to-node protocol (docs/development/replication.md, "The node protocol"): ``client.NodeClient`` sends
signed requests to a partner and checks its signed answers; ``server.signed_node_view`` checks a partner's signed
requests against its pinned key with a database replay guard and signs every answer."""
