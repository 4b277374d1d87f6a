"""What OAI-PMH offers, registered by the parts that know it (hooks.py), so that the provider (part oai) names no
other part: **sets** (each a family of setSpecs: ``fonds:<code>`` by part oai, ``theme:<slug>`` by part themes) and
**metadata formats** (``oai_dc`` by part oai, ``ead3`` by part ead).

Everything a provider returns is already limited to what ``viewer`` may see: the registry's callers pass the viewer
(the anonymous public, or a signed-in harvester) and the providers ask ``catalog.policy``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

__all__ = [
    "MetadataFormat",
    "SetFamily",
    "metadata_format",
    "metadata_formats",
    "register_metadata_format",
    "register_set_family",
    "set_families",
    "set_family",
]


@dataclass(frozen=True)
class SetFamily:
    """The sets whose setSpec starts with ``prefix`` + ":". ``list_sets(viewer)`` gives (setSpec, setName,
    description or "") of the sets ``viewer`` may know of; ``units(viewer, spec)`` the ArchivalUnit queryset of the
    set's members (None: no such set, or not one ``viewer`` may know of — the provider answers badArgument/
    noRecordsMatch alike)."""

    prefix: str
    label: str
    list_sets: Callable[[Any], Iterable[tuple[str, str, str]]]
    units: Callable[[Any, str], QuerySet[Any] | None]


@dataclass(frozen=True)
class MetadataFormat:
    """One metadataPrefix. A record stands for an ArchivalUnit (identifier ``oai:<repository>:unit/<uuid>``) or a
    Fonds (``oai:<repository>:fonds/<code>``). ``write(xf, record, viewer)`` writes the record's metadata element
    (the child of ``<metadata>``) into the open ``lxml.etree.xmlfile`` ``xf``, for a record ``viewer`` may see, and
    with only what ``viewer`` may see inside it (an EAD3 of a fonds lists only visible units);
    ``applies(record)`` says whether the format exists for that record (``ead3``: fonds only; None: every record).
    Part oai answers cannotDisseminateFormat where it does not apply."""

    prefix: str
    schema: str
    namespace: str
    write: Callable[[Any, Any, Any], None]
    applies: Callable[[Any], bool] | None = None


_sets: dict[str, SetFamily] = {}
_formats: dict[str, MetadataFormat] = {}


def register_set_family(family: SetFamily) -> None:
    _sets[family.prefix] = family


def register_metadata_format(fmt: MetadataFormat) -> None:
    _formats[fmt.prefix] = fmt


def set_families() -> list[SetFamily]:
    return list(_sets.values())


def set_family(spec: str) -> SetFamily | None:
    """The family a setSpec belongs to (by its prefix before the first ":"), or None."""
    return _sets.get(spec.split(":", 1)[0])


def metadata_formats() -> list[MetadataFormat]:
    return list(_formats.values())


def metadata_format(prefix: str) -> MetadataFormat | None:
    return _formats.get(prefix)
