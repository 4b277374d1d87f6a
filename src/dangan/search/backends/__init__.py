"""Search backends: SQLite FTS5 (embedded default) and PostgreSQL full-text, over the same pre-analysed tokens.

A backend stores documents, deletes them, and compiles a parsed query into its engine's match expression; the
service builds the rest of the SQL (visibility, filters, facets, paging) the same way for both.
"""

from __future__ import annotations

from django.db import connection

from .base import Backend


def get_backend() -> Backend:
    if connection.vendor == "postgresql":
        from .postgres import PostgresBackend

        return PostgresBackend()
    from .sqlite import SQLiteBackend

    return SQLiteBackend()


__all__ = ["Backend", "get_backend"]
