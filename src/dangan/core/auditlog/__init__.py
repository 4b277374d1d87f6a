"""The audit log's machinery behind ``core.audit``: the key, the chain and its seals, the anchors outside the
database, verification, and how entries are shown (and withheld) to a reader. See docs/audit-log.md."""
