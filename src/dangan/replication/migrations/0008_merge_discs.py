"""Joins part discs' migration to the others (each part's depends only on 0001_initial; docs/development/replication.md)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("replication", "0006_discs"),
        ("replication", "0007_merge_parts"),
    ]

    operations = []
