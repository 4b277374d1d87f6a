"""PostgreSQL keeps the matches of frequent query terms (search.backends.postgres): one row per term, the ids out of
line and uncompressed (they are read whole, and sorted integers compress poorly with pglz)."""

from django.db import migrations, models


def store_uncompressed(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE search_cachedtermmatch ALTER COLUMN ids SET STORAGE EXTERNAL")


class Migration(migrations.Migration):
    dependencies = [("search", "0005_indexstate_dictionary_version")]

    operations = [
        migrations.CreateModel(
            name="CachedTermMatch",
            fields=[
                ("key", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("expression", models.TextField()),
                ("epoch", models.CharField(max_length=32)),
                ("as_of", models.BigIntegerField()),
                ("count", models.IntegerField()),
                ("width", models.SmallIntegerField(default=4)),
                ("ids", models.BinaryField()),
            ],
            options={"verbose_name": "检索词命中缓存", "verbose_name_plural": "检索词命中缓存"},
        ),
        migrations.RunPython(store_uncompressed, migrations.RunPython.noop),
    ]
