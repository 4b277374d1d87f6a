"""The unit index: a bookkeeping table on both engines, plus an FTS5 table (SQLite) or a tsvector column with a GIN
index (PostgreSQL)."""

from django.db import migrations, models

# Written out here, not imported, so that the migration keeps meaning what it meant when it was written.
FTS_TABLE = "search_unit_fts"
CREATE_SQL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "w_title, g_title, w_responsible, g_responsible, w_reference_code, g_reference_code, "
    "w_document_number, g_document_number, w_subjects, g_subjects, w_body, g_body, "
    "tokenize = 'unicode61 remove_diacritics 0', detail = full)"
)


def create_engine_parts(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(CREATE_SQL)
    elif vendor == "postgresql":
        schema_editor.execute("ALTER TABLE search_unitindexentry ADD COLUMN document tsvector NOT NULL DEFAULT ''")
        schema_editor.execute("CREATE INDEX search_unitindex_document ON search_unitindexentry USING gin (document)")


def drop_engine_parts(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="UnitIndexEntry",
            fields=[
                ("unit_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("analyzer_version", models.CharField(max_length=32)),
                ("content_hash", models.CharField(max_length=32)),
            ],
            options={"verbose_name": "检索索引条目", "verbose_name_plural": "检索索引条目"},
        ),
        migrations.RunPython(create_engine_parts, drop_engine_parts),
    ]
