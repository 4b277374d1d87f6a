"""Merges the parts' migrations, each of which depends only on 0001_initial (docs/development/replication.md)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("replication", "0002_protocol"),
        ("replication", "0006_discs"),
    ]

    operations: list[migrations.operations.base.Operation] = []
