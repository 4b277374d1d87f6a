"""EAC-CPF 2.0 records of the authority records (part ead): people (person) and organizations (corporateBody).

The catalog's authority records also hold places and events; EAC-CPF describes corporate bodies, persons and
families only, so places and events go out in the EAD3 ``<controlaccess>`` of the units (``geogname``, ``subject``
with ``localtype="event"``), not here. The catalog has no families; ``--kind family`` exports none.

**What goes out.** An authority record is shown to whoever may see a unit it is linked to (its name and its links
would otherwise tell of hidden units): ``viewer`` gets the people and organizations linked to at least one unit
``catalog.policy`` lets them see; someone who sees every unit gets them all.

The file holds one ``<eac>`` per record (each valid against the EAC-CPF 2.0 schema, ``recordId`` the authority's
UUID — the ``identifier`` the EAD3 export gives its ``persname``/``corpname``) inside a ``<records>`` element of
the namespace ``EXPORT_NAMESPACE`` (EAC-CPF defines no container of its own). Streamed like the EAD3 export."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db.models import Exists, OuterRef, QuerySet
from lxml import etree

from dangan.catalog.choices import AuthorityKind
from dangan.catalog.models import Authority, UnitAuthority
from dangan.catalog.policy import sees_every_unit, visible_units
from dangan.core.models import Institution

from .ead3 import export_to_path

__all__ = ["EAC_NAMESPACE", "EAC_SCHEMA", "EXPORT_NAMESPACE", "KINDS", "AuthoritySummary", "export_authorities"]

EAC_NAMESPACE = "https://archivists.org/ns/eac/v2"
EAC_SCHEMA = "https://eac.staatsbibliothek-berlin.de/schema/v2/eac.xsd"
EXPORT_NAMESPACE = "urn:dangan:eac-cpf-records"

# The kinds of the command line → the catalog's kind and EAC-CPF's entityType.
KINDS: dict[str, tuple[str | None, str]] = {
    "person": (AuthorityKind.PERSON.value, "person"),
    "organization": (AuthorityKind.ORGANIZATION.value, "corporateBody"),
    "family": (None, "family"),
}


@dataclass
class AuthoritySummary:
    records: int = 0
    bytes: int = 0


def visible_authorities(viewer: Any, kinds: Sequence[str] = ("person", "organization")) -> QuerySet[Authority]:
    """The authority records of ``kinds`` (command-line names) that ``viewer`` may know of, by kind and name."""
    catalog_kinds = [KINDS[k][0] for k in kinds if KINDS[k][0]]
    authorities = Authority.objects.filter(kind__in=catalog_kinds)
    if not sees_every_unit(viewer):
        links = UnitAuthority.objects.filter(authority=OuterRef("pk"), unit__in=visible_units(viewer).values("pk"))
        authorities = authorities.filter(Exists(links))
    return authorities.order_by("kind", "name", "pk")


def _leaf(parent: etree._Element, tag: str, text: str, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v})
    element.text = text
    return element


def record(authority: Authority, agency: str) -> etree._Element:
    """The ``<eac>`` of one authority record (children without a namespace: written inside an element that declares
    EAC-CPF's as the default, or given it by ``standalone``)."""
    eac = etree.Element("eac")
    control = etree.SubElement(eac, "control", maintenanceStatus="new")
    _leaf(control, "recordId", str(authority.uuid))
    maintenance_agency = etree.SubElement(control, "maintenanceAgency")
    _leaf(maintenance_agency, "agencyName", agency)
    history = etree.SubElement(control, "maintenanceHistory")
    events = [("created", authority.created)]
    if (authority.updated - authority.created).total_seconds() > 1:
        events.append(("revised", authority.updated))
    for kind, moment in events:
        event = etree.SubElement(history, "maintenanceEvent", maintenanceEventType=kind)
        _leaf(event, "agent", "dangan", agentType="machine")
        when = moment.replace(microsecond=0)
        _leaf(event, "eventDateTime", when.strftime("%Y-%m-%d %H:%M"), standardDateTime=when.isoformat())
    etree.SubElement(control, "languageDeclaration", languageCode="chi", scriptCode="Hans")
    if authority.identifier:
        _leaf(control, "otherRecordId", authority.identifier)
    description = etree.SubElement(eac, "cpfDescription")
    identity = etree.SubElement(description, "identity")
    entity_type = KINDS["person" if authority.kind == AuthorityKind.PERSON else "organization"][1]
    etree.SubElement(identity, "entityType", value=entity_type)
    for position, name in enumerate(authority.names()):
        entry = etree.SubElement(identity, "nameEntry", localType="规范名称" if position == 0 else "其他名称")
        _leaf(entry, "part", name)
    if authority.dates or authority.description:
        about = etree.SubElement(description, "description")
        if authority.dates:
            _leaf(etree.SubElement(about, "existDates"), "date", authority.dates)
        if authority.description:
            history_element = etree.SubElement(about, "biogHist")
            for line in authority.description.splitlines():
                if line.strip():
                    _leaf(history_element, "p", line.strip())
    return eac


def write_authorities(
    xf: Any,
    viewer: Any,
    kinds: Sequence[str] = ("person", "organization"),
    *,
    progress: Callable[[int, int], None] | None = None,
) -> AuthoritySummary:
    """Write ``<records>`` with the ``<eac>`` of every authority record of ``kinds`` that ``viewer`` may know of."""
    institution = Institution.current()
    agency = institution.name if institution else "dangan"
    authorities = visible_authorities(viewer, kinds)
    total = authorities.count()
    summary = AuthoritySummary()
    with xf.element(f"{{{EXPORT_NAMESPACE}}}records", nsmap={None: EXPORT_NAMESPACE}):
        for authority in authorities.iterator(chunk_size=1000):
            with xf.element(f"{{{EAC_NAMESPACE}}}eac", nsmap={None: EAC_NAMESPACE}):
                for child in record(authority, agency):
                    xf.write(child)
            summary.records += 1
            if progress and (summary.records % 1000 == 0 or summary.records == total):
                progress(summary.records, total)
    if progress and not total:
        progress(0, 0)
    return summary


def export_authorities(
    out: str | os.PathLike[str] | IO[bytes],
    viewer: Any,
    kinds: Sequence[str] = ("person", "organization"),
    *,
    progress: Callable[[int, int], None] | None = None,
) -> AuthoritySummary:
    """The EAC-CPF records of ``kinds`` that ``viewer`` may know of, into ``out``: a path (a temporary file beside
    it, renamed once complete) or a binary file."""
    if isinstance(out, str | os.PathLike):
        return export_to_path(Path(out), lambda f: export_authorities(f, viewer, kinds, progress=progress))
    start = out.tell() if out.seekable() else 0
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        summary = write_authorities(xf, viewer, kinds, progress=progress)
    out.flush()
    summary.bytes = (out.tell() - start) if out.seekable() else 0
    return summary


def standalone(authority: Authority) -> etree._Element:
    """One record as a document of its own (``<eac xmlns="…">``), e.g. for validation."""
    institution = Institution.current()
    eac = record(authority, institution.name if institution else "dangan")
    for element in eac.iter():
        element.tag = f"{{{EAC_NAMESPACE}}}{element.tag}"
    return etree.fromstring(etree.tostring(eac))
