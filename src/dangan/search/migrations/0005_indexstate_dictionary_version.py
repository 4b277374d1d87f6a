"""The users' dictionary version: every process reloads its segmenter when another one changed the words."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("search", "0004_index_columns")]

    operations = [
        migrations.AddField("indexstate", "dictionary_version", models.BigIntegerField(default=0)),
    ]
