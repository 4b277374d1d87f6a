"""One paging style for every list, on its page and in the API: ``?page=`` (from 1) and ``?size=`` (rows per page),
answered with the same envelope ``{items, page, size, total, pages, has_next}``.

Bounds: 1 ≤ page ≤ MAX_PAGE and 1 ≤ size ≤ the list's maximum (MAX_PAGE_SIZE unless it says less). The API refuses
values outside them with 422 and a Chinese message (core.api.PageQuery); a workspace page, where a person edited
the address, shows the nearest page instead (utilities.views). A page past the end is empty, not an error.
``total`` (and ``pages``) may be null where counting would cost more than the list is worth (the whole catalog);
``has_next`` is always there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

MAX_PAGE = 100_000  # a million-unit catalog at the smallest pages fits; beyond, offsets only cost the database
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


def pages_for(total: int, size: int) -> int:
    """How many pages ``total`` rows fill (at least one, the empty first page)."""
    return max(1, -(-total // size))


@dataclass(frozen=True)
class PageSlice:
    """One page of a list: its rows, where it is, and what is around it."""

    items: Sequence[Any]
    page: int
    size: int
    total: int | None
    has_next: bool

    def with_total(self, total: int | None) -> PageSlice:
        """The same page with a total found another way (a stored counter), or none."""
        return replace(self, total=total)

    @property
    def pages(self) -> int | None:
        return pages_for(self.total, self.size) if self.total is not None else None

    def envelope(self, serialize: Callable[[Any], Any] | None = None) -> dict[str, Any]:
        """The API's answer: ``{items, page, size, total, pages, has_next}``."""
        return {
            "items": [serialize(item) for item in self.items] if serialize else list(self.items),
            "page": self.page,
            "size": self.size,
            "total": self.total,
            "pages": self.pages,
            "has_next": self.has_next,
        }


def slice_page(rows: Any, page: int, size: int, *, count: bool = True) -> PageSlice:
    """Page ``page`` of ``rows`` (a queryset or a list), ``size`` rows, fetching one more to know whether another
    page follows; with ``count``, the total too. ``page`` and ``size`` must be within bounds already."""
    if not (1 <= page <= MAX_PAGE and 1 <= size <= MAX_PAGE_SIZE):
        raise ValueError(f"page {page} / size {size} out of bounds")
    offset = (page - 1) * size
    fetched = list(rows[offset : offset + size + 1])
    total: int | None = None
    if count:
        total = len(rows) if isinstance(rows, Sequence) else rows.count()
    return PageSlice(fetched[:size], page, size, total, len(fetched) > size)
