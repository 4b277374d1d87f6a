# The digitization app's first migration: empty, so that the batch and OCR models can each start from it.

from django.db import migrations


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0006_unit_scheme_index"),
        ("preservation", "0001_initial"),
    ]

    operations = []
