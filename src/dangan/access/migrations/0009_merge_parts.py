# Joins the access app's parts, each of which started from 0001_initial.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_portal"),
        ("access", "0003_readers"),
        ("access", "0004_requests"),
        ("access", "0005_reading_room"),
        ("access", "0006_copies"),
        ("access", "0008_openness"),
    ]

    operations = []
