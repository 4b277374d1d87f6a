"""The units' full text (search.fulltext, field 全文): a bookkeeping row per unit (FullTextEntry) and the tokens in
pieces (a page, or a few thousand characters of one), in a table of their own beside the unit index: an FTS5 table on SQLite (rowid =
unit id × 65,536 + piece), a table of tsvectors with a GIN index on PostgreSQL. The unit index itself is unchanged,
so its rows stay as they are; `dangan search reindex` (or the next change of a unit) fills the new tables."""

from django.db import migrations, models

# Written out here, not imported, so that the migration keeps meaning what it meant when it was written.
FTS_TABLE = "search_fulltext_fts"
TSV_TABLE = "search_fulltext_tsv"
CREATE_FTS = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "w_fulltext, g_fulltext, tokenize = 'unicode61 remove_diacritics 0', detail = full)"
)


def create_engine_parts(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        schema_editor.execute(CREATE_FTS)
    elif connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TABLE {TSV_TABLE} (unit_id bigint NOT NULL, piece integer NOT NULL, "
            "document tsvector NOT NULL, PRIMARY KEY (unit_id, piece))"
        )
        with connection.cursor() as cur:
            cur.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
            row = cur.fetchone()
        if row and "lz4" in (row[0] or []):
            schema_editor.execute(f"ALTER TABLE {TSV_TABLE} ALTER COLUMN document SET COMPRESSION lz4")
        schema_editor.execute(f"CREATE INDEX {TSV_TABLE}_document ON {TSV_TABLE} USING gin (document)")


def drop_engine_parts(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif vendor == "postgresql":
        schema_editor.execute(f"DROP TABLE IF EXISTS {TSV_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("search", "0008_tsvector_partitions")]

    operations = [
        migrations.CreateModel(
            name="FullTextEntry",
            fields=[
                ("unit_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("digest", models.CharField(max_length=32)),
                ("characters", models.IntegerField(default=0)),
                ("pieces", models.IntegerField(default=0)),
                ("piece_digests", models.TextField(blank=True, default="")),
            ],
            options={"verbose_name": "全文索引条目", "verbose_name_plural": "全文索引条目"},
        ),
        migrations.RunPython(create_engine_parts, drop_engine_parts),
    ]
