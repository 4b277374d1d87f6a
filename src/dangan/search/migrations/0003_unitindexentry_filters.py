"""A copy of the units' filter columns in the index table: matches are filtered and counted without reading the
wide catalog rows. Existing rows get empty values; `dangan search check` reports them stale until reindexed."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("search", "0002_unitindexentry")]

    operations = [
        migrations.AddField("unitindexentry", "fonds_id", models.BigIntegerField(default=0)),
        migrations.AddField("unitindexentry", "category_id", models.BigIntegerField(null=True)),
        migrations.AddField("unitindexentry", "retention", models.CharField(max_length=4, default="")),
        migrations.AddField("unitindexentry", "classification", models.CharField(max_length=16, default="")),
        migrations.AddField("unitindexentry", "openness", models.CharField(max_length=12, default="")),
        migrations.AddField("unitindexentry", "level", models.CharField(max_length=8, default="")),
        migrations.AddField("unitindexentry", "year", models.SmallIntegerField(null=True)),
        migrations.AddField("unitindexentry", "date", models.DateField(null=True)),
        migrations.AddField("unitindexentry", "reference_code", models.CharField(max_length=80, null=True)),
    ]
