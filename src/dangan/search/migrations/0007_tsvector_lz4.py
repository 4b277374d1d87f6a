"""PostgreSQL: the tsvectors are compressed with LZ4 instead of pglz where the server has it (PostgreSQL 14 and
newer, built with lz4, as Debian's and most packagers' are). Writing 200,000 units' tsvectors took 17.5 s instead of
21.0 s (bench/RESULTS.md, issue #3); reading them back for ranking is faster too. Rows already written keep pglz
until the next `dangan search reindex`."""

from django.db import migrations


def use_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        row = cur.fetchone()
    if row and "lz4" in (row[0] or []):
        schema_editor.execute("ALTER TABLE search_unit_tsv ALTER COLUMN document SET COMPRESSION lz4")


def use_pglz(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE search_unit_tsv ALTER COLUMN document SET COMPRESSION pglz")


class Migration(migrations.Migration):
    dependencies = [("search", "0006_cachedtermmatch")]

    operations = [migrations.RunPython(use_lz4, use_pglz)]
