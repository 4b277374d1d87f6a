"""Joins the parts' migrations (each depends only on 0001_initial; docs/development/conservation.md)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("conservation", "0002_stacks"),
        ("conservation", "0003_surveys"),
        ("conservation", "0004_environment"),
        ("conservation", "0005_restoration"),
    ]

    operations = []
