"""Sweep declarations of the replication app's protocol part. Its routes are the node-to-node protocol: no session
or role reaches past the signature check, so every role (and the anonymous public) gets 400 for an unsigned
request, whatever it is signed in as; tests/replication/test_protocol*.py test the signed side."""

from tests.sweep import Page, expect

UNSIGNED = expect(400, anonymous=400, reader=400)

PAGES = [
    Page("replication_node:envelopes", UNSIGNED, query={"prefix": "content/"}),
    Page("replication_node:envelope", UNSIGNED, envelope_name="content/ab12"),
    Page(
        "replication_node:envelope",
        UNSIGNED,
        envelope_name="content/ab12",
        method="PUT",
        note="PUT",
        query={"offset": "0", "size": "3"},
    ),
    Page("replication_node:envelope", UNSIGNED, envelope_name="content/ab12", method="DELETE", note="DELETE"),
    Page("replication_node:proofs", UNSIGNED, method="POST"),
    Page("replication_node:usage", UNSIGNED),
]
EXCLUDED: dict[str, str] = {}
