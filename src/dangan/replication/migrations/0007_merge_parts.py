"""Joins the parts' migrations (each depends only on 0001_initial; docs/development/replication.md)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("replication", "0002_protocol"),
        ("replication", "0005_transfers"),
        ("replication", "0006_discs"),
    ]

    operations = []
