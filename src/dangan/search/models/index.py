"""The bookkeeping row of each indexed unit: which analyzer version and which source texts it was built from, so
that ``check`` finds stale rows. The tokens live beside it: an FTS5 table on SQLite, a tsvector column (added by
migration 0002, unknown to the ORM) on PostgreSQL."""

from __future__ import annotations

from django.db import models


class UnitIndexEntry(models.Model):
    # No foreign key: the row is removed by the units_changed receiver, and a left-over row is reported by check.
    unit_id = models.BigIntegerField(primary_key=True)
    analyzer_version = models.CharField(max_length=32)
    content_hash = models.CharField(max_length=32)

    class Meta:
        verbose_name = "检索索引条目"
        verbose_name_plural = "检索索引条目"

    def __str__(self) -> str:
        return f"unit {self.unit_id} ({self.analyzer_version})"
