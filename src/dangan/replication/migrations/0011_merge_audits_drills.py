"""Joins the parts' migrations of session 16 (audits 0009 and drills 0010 each depend only on 0008)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("replication", "0009_audits"),
        ("replication", "0010_drills"),
    ]

    operations = []
