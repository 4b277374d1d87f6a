"""Two transactions indexing one unit's full text at once (an OCR job and an edit of the record), with real threads
and connections: the second waits for the first and neither fails (run on PostgreSQL too)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from dangan.search.models import FullTextEntry
from dangan.search.service import SearchRequest, search
from dangan.search.sync import index_fulltext
from tests.catalog.test_concurrency import run_together
from tests.search.fixtures_ui import make_item
from tests.search.test_fulltext import texts  # noqa: F401  (the provider fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_writers_of_one_units_full_text(fonds: Any, categories: Any, texts: Any, archivist: Any) -> None:  # noqa: F811
    unit = make_item(fonds, categories, "红军布告（扫描件）")
    texts[unit.pk] = "\n\n".join(f"第{n}页：中国工农红军布告，严禁扰民。" for n in range(40))

    def write() -> int:
        with transaction.atomic():
            return index_fulltext([unit.pk])

    for _round in range(3):
        FullTextEntry.objects.all().delete()
        from dangan.search.backends import get_backend

        get_backend().delete_fulltext([unit.pk])
        done = run_together([write, write])
        assert sorted(done)[0] == 0 and sorted(done)[1] > 0  # one analysed it, the other found it done
        assert FullTextEntry.objects.get(unit_id=unit.pk).pieces == 40
    hits = search(archivist, SearchRequest(q="严禁扰民")).hits
    assert [h.unit.pk for h in hits] == [unit.pk]
