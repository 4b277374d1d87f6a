"""Joins the parts' migrations (each depends only on 0001_initial; docs/development/outreach.md)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0002_themes"),
        ("outreach", "0003_exhibitions"),
        ("outreach", "0004_stories"),
        ("outreach", "0005_wechat"),
        ("outreach", "0006_oai"),
    ]

    operations = []
