"""The compilation app's shared pieces: the start page, and the Book the writers read."""

from __future__ import annotations

from typing import Any

import pytest

from dangan.compilation.export.book import Book, Document, Section


@pytest.mark.django_db
def test_start_page_is_the_archivists(client: Any, archivist: Any, security_auditor: Any) -> None:
    client.force_login(archivist)
    response = client.get("/manage/compilation/")
    assert response.status_code == 200
    assert "档案编研" in response.content.decode()
    client.force_login(security_auditor)
    assert client.get("/manage/compilation/").status_code == 403


def test_book_lists_its_documents_in_order_across_sections() -> None:
    book = Book(
        "选编",
        sections=(
            Section("一", (Document(1, "甲"), Document(2, "乙"))),
            Section("二", (Document(3, "丙"),)),
        ),
    )
    assert [d.heading for d in book.documents()] == ["甲", "乙", "丙"]
