"""The bookkeeping row of each indexed unit: which analyzer version and which source texts it was built from, so
that ``check`` finds stale rows. It also carries a copy of the unit's filter columns. The tokens live beside it: an FTS5 table on SQLite, a tsvector column (added by
migration 0002, unknown to the ORM) on PostgreSQL."""

from __future__ import annotations

from django.db import models


class UnitIndexEntry(models.Model):
    # No foreign key: the row is removed by the units_changed receiver, and a left-over row is reported by check.
    unit_id = models.BigIntegerField(primary_key=True)
    analyzer_version = models.CharField(max_length=32)
    content_hash = models.CharField(max_length=32)
    # A copy of the unit's filter columns, under the catalog's column names: the search SQL aliases this table as
    # catalog_archivalunit, so the policy's own WHERE clause applies to it, and matches are filtered and counted
    # without touching the wide catalog rows (see bench/RESULTS.md). Written in the same transaction as the unit.
    fonds_id = models.BigIntegerField(default=0)
    category_id = models.BigIntegerField(null=True)
    retention = models.CharField(max_length=4, default="")
    classification = models.CharField(max_length=16, default="")
    openness = models.CharField(max_length=12, default="")
    level = models.CharField(max_length=8, default="")
    year = models.SmallIntegerField(null=True)
    date = models.DateField(null=True)
    reference_code = models.CharField(max_length=80, null=True)
    # For ranking very large result sets without scoring every match (characters of the normalised title).
    title_length = models.IntegerField(default=0)
    # The IndexState generation that wrote the row: other processes load the rows newer than their copy.
    seq = models.BigIntegerField(default=0, db_index=True)

    class Meta:
        verbose_name = "检索索引条目"
        verbose_name_plural = "检索索引条目"

    def __str__(self) -> str:
        return f"unit {self.unit_id} ({self.analyzer_version})"


class IndexState(models.Model):
    """One row: the generation of the index, raised by every write in the writer's transaction. Writers take the
    row lock until they commit, so generations commit in order, and a process whose in-memory columns are at
    generation G loads exactly the rows with ``seq > G`` to catch up (``search.columns``)."""

    ID = 1

    generation = models.BigIntegerField(default=0)
    # Set when the row is created: a database that was emptied and filled again (a restore, a test) has a new
    # epoch, and the processes reload their columns in full.
    epoch = models.CharField(max_length=32, default="")
    # Raised by every change to the users' dictionary words: each process reloads its segmenter when it sees a
    # version other than the one it loaded (search.analysis.use_dictionary_version).
    dictionary_version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "检索索引状态"
        verbose_name_plural = "检索索引状态"

    def __str__(self) -> str:
        return f"generation {self.generation}"


class CachedTermMatch(models.Model):
    """PostgreSQL: the units a frequent query term matched, as of a generation.

    Reading a common word's 100,000 matches through the GIN index visits every heap page that holds one (bench/
    RESULTS.md, issue #3); the ids kept here are read in one row instead. They stay right without being rewritten
    on every index write: the units written since ``as_of`` (their rows have a newer ``seq``, which every process's
    in-memory columns know) are taken out of the kept ids and matched again through the GIN index. A removal from
    the index, a clear and a rebuild empty the table.
    """

    # sha256 of the term's match expression (a tsquery), which is kept beside it.
    key = models.CharField(max_length=64, primary_key=True)
    expression = models.TextField()
    epoch = models.CharField(max_length=32)
    as_of = models.BigIntegerField()
    count = models.IntegerField()
    # The ids, sorted, as little-endian integers of ``width`` bytes (4, or 8 beyond 2**32).
    width = models.SmallIntegerField(default=4)
    ids = models.BinaryField()

    class Meta:
        verbose_name = "检索词命中缓存"
        verbose_name_plural = "检索词命中缓存"

    def __str__(self) -> str:
        return f"{self.expression[:40]} ({self.count})"


class FullTextEntry(models.Model):
    """The bookkeeping row of a unit's indexed full text (search.fulltext): the digest of the text it was built
    from, so that a unit saved again with the same text is not analysed again, and ``check`` finds stale rows. The
    tokens live beside it, in pieces (a page, or a few thousand characters of one): an FTS5 table on SQLite, a table
    of tsvectors on PostgreSQL (migration 0009)."""

    # No foreign key, as for UnitIndexEntry: removed with the unit's index rows.
    unit_id = models.BigIntegerField(primary_key=True)
    digest = models.CharField(max_length=32)
    characters = models.IntegerField(default=0)
    pieces = models.IntegerField(default=0)
    # The digest of each piece, in order, space-separated (fulltext.piece_digest): after a correction of one page
    # only the pieces that differ are analysed and written again.
    piece_digests = models.TextField(default="", blank=True)

    class Meta:
        verbose_name = "全文索引条目"
        verbose_name_plural = "全文索引条目"

    def __str__(self) -> str:
        return f"unit {self.unit_id} ({self.characters} characters)"
