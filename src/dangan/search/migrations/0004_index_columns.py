"""The in-memory columns (search.columns): a generation counter, the generation that wrote each index row, and the
title length for ranking large result sets; on PostgreSQL the tsvector moves to a narrow table of its own. The
analyzer version changed with this migration: `dangan search reindex` rebuilds the index."""

from django.db import migrations, models


def move_tsvector(apps, schema_editor):
    """PostgreSQL: the tsvector moves to a table of its own, stored out of line, so that the heap pages a match
    visits (to read the ids) are few and stay in shared buffers; the old column's rows are stale anyway (the
    analyzer version changed), so nothing is copied."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS search_unitindex_document")
    schema_editor.execute("ALTER TABLE search_unitindexentry DROP COLUMN IF EXISTS document")
    # PostgreSQL moves a value out of line only when the row passes about 2 KB, and a unit's tsvector is smaller:
    # inline, it makes a row of ~1.5 KB, and a common word's 110,000 matches visit 79,000 heap pages to read their
    # ids (430 ms at 1,000,000 units). A constant 2 KB padding column, stored compressed inline (a few bytes),
    # makes every row pass the threshold, so the tsvector goes to the TOAST table and the heap rows are ~60 bytes:
    # the same match visits 11,000 pages (about 70 ms). See bench/RESULTS.md, issue #3.
    schema_editor.execute(
        "CREATE TABLE search_unit_tsv (unit_id bigint PRIMARY KEY, document tsvector NOT NULL, "
        "out_of_line text NOT NULL DEFAULT repeat(' ', 2100)) WITH (toast_tuple_target = 128)"
    )
    schema_editor.execute("ALTER TABLE search_unit_tsv ALTER COLUMN out_of_line SET STORAGE MAIN")
    schema_editor.execute("CREATE INDEX search_unit_tsv_document ON search_unit_tsv USING gin (document)")


def restore_tsvector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TABLE IF EXISTS search_unit_tsv")
    schema_editor.execute("ALTER TABLE search_unitindexentry ADD COLUMN document tsvector NOT NULL DEFAULT ''")
    schema_editor.execute("CREATE INDEX search_unitindex_document ON search_unitindexentry USING gin (document)")


def create_state(apps, schema_editor):
    import uuid

    apps.get_model("search", "IndexState").objects.get_or_create(pk=1, defaults={"epoch": uuid.uuid4().hex})


class Migration(migrations.Migration):
    dependencies = [("search", "0003_unitindexentry_filters")]

    operations = [
        migrations.CreateModel(
            name="IndexState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("generation", models.BigIntegerField(default=0)),
                ("epoch", models.CharField(default="", max_length=32)),
            ],
            options={"verbose_name": "检索索引状态", "verbose_name_plural": "检索索引状态"},
        ),
        migrations.AddField("unitindexentry", "title_length", models.IntegerField(default=0)),
        migrations.AddField("unitindexentry", "seq", models.BigIntegerField(default=0, db_index=True)),
        migrations.RunPython(create_state, migrations.RunPython.noop),
        migrations.RunPython(move_tsvector, restore_tsvector),
    ]
