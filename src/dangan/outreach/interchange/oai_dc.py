"""Part oai: the metadata format ``oai_dc`` (Dublin Core from the DA/T 22 description) and the set family
``fonds`` (``fonds:<code>``), registered in hooks.py. Only what the portal shows of a unit or a fonds goes out:
title, 文号, 责任者, date, 页数, 数量及单位, subjects, 档号 and the portal's address, the fonds it belongs to."""

from __future__ import annotations

import re
import uuid as uuid_module
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import get_language

from dangan.catalog.choices import DatePrecision, Openness, SecurityClassification, UnitLevel
from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.catalog.policy import visible_units
from dangan.core.models import Institution

from .registry import MetadataFormat, SetFamily

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
_NSMAP = {"oai_dc": OAI_DC, "dc": DC, "xsi": XSI}
_ROOT_ATTRIB = {f"{{{XSI}}}schemaLocation": f"{OAI_DC} {OAI_DC_SCHEMA}"}
_TAGS = {
    name: f"{{{DC}}}{name}"
    for name in (
        "title",
        "creator",
        "subject",
        "description",
        "publisher",
        "date",
        "type",
        "format",
        "identifier",
        "language",
        "relation",
        "rights",
    )
}
# Characters XML 1.0 cannot carry (a stray control character typed into a description must not break a harvest).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: object) -> str:
    return _ILLEGAL.sub("", str(text))


@dataclass(frozen=True)
class Site:
    """What the records' addresses are made of: the site's root (scheme and host, no slash at the end) and the
    publisher (the institution's name)."""

    root: str
    publisher: str
    unit_path: tuple[str, str]
    fonds_path: tuple[str, str]


def make_site(root: str) -> Site:
    """The Site of ``root`` (the request's scheme and host; "" for addresses relative to the site's root)."""
    marker = uuid_module.UUID(int=0)
    unit = reverse("portal:unit", kwargs={"uuid": marker}).split(str(marker))
    fonds = reverse("portal:fonds", kwargs={"code": "FONDSCODE"}).split("FONDSCODE")
    institution = Institution.current()
    return Site(root.rstrip("/"), institution.name if institution else "", (unit[0], unit[1]), (fonds[0], fonds[1]))


def record_site(record: Any) -> Site:
    """The Site the provider attached to ``record`` (``oai_site``), else one with addresses relative to the root."""
    value = getattr(record, "oai_site", None)
    return value if isinstance(value, Site) else make_site("")


_LABELS: dict[str, dict[str, dict[str, str]]] = {}


def _labels() -> dict[str, dict[str, str]]:
    """The Chinese (or current language's) labels of the choices a record shows, made once per language: the
    models' ``get_…_display`` would translate them again for every record."""
    language = get_language() or ""
    found = _LABELS.get(language)
    if found is None:
        found = {
            name: {str(value): str(label) for value, label in choices}
            for name, choices in (
                ("level", UnitLevel.choices),
                ("classification", SecurityClassification.choices),
                ("openness", Openness.choices),
            )
        }
        _LABELS[language] = found
    return found


def _date(unit: ArchivalUnit) -> str:
    if unit.date is None:
        return str(unit.year) if unit.year else ""
    if unit.date_precision == DatePrecision.YEAR:
        return f"{unit.date.year:04d}"
    if unit.date_precision == DatePrecision.MONTH:
        return f"{unit.date.year:04d}-{unit.date.month:02d}"
    return unit.date.isoformat()


def unit_subjects(unit: ArchivalUnit) -> list[str]:
    """The unit's subject terms: those the provider loaded for its page (``oai_subjects``), else from the database."""
    loaded = getattr(unit, "oai_subjects", None)
    if loaded is None:
        loaded = list(unit.subjects.order_by("term").values_list("term", flat=True))
    return list(loaded)


def write_dc(xf: Any, record: Any, viewer: Any) -> None:
    """The ``<oai_dc:dc>`` of a unit or a fonds that ``viewer`` may see."""
    here = record_site(record)
    fields: list[tuple[str, str]] = []
    if isinstance(record, Fonds):
        fields.append(("title", record.name))
        if record.creator:
            fields.append(("creator", record.creator))
        if record.start_year or record.end_year:
            years = [str(y) for y in (record.start_year, record.end_year) if y]
            fields.append(("date", "/".join(years)))
        if record.history:
            fields.append(("description", record.history))
        fields.append(("type", "全宗"))
        fields.append(("identifier", record.code))
        fields.append(("identifier", f"{here.root}{here.fonds_path[0]}{record.code}{here.fonds_path[1]}"))
    else:
        unit: ArchivalUnit = record
        fields.append(("title", unit.title))
        if unit.responsible:
            fields.append(("creator", unit.responsible))
        for term in unit_subjects(unit):
            fields.append(("subject", term))
        if unit.document_number:
            fields.append(("description", f"文号：{unit.document_number}"))
        date = _date(unit)
        if date:
            fields.append(("date", date))
        labels = _labels()
        fields.append(("type", labels["level"].get(unit.level, unit.level)))
        if unit.page_count:
            fields.append(("format", f"{unit.page_count}页"))
        if unit.extent:
            fields.append(("format", unit.extent))
        if unit.reference_code:
            fields.append(("identifier", unit.reference_code))
        fields.append(("identifier", f"{here.root}{here.unit_path[0]}{unit.uuid}{here.unit_path[1]}"))
        fonds = unit.fonds
        fields.append(("relation", f"{fonds.code} {fonds.name}"))
        classification = labels["classification"].get(unit.classification, unit.classification)
        fields.append(("rights", f"{classification}，{labels['openness'].get(unit.openness, unit.openness)}"))
    if here.publisher:
        fields.append(("publisher", here.publisher))
    fields.append(("language", "zh"))
    tags = _TAGS
    with xf.element(f"{{{OAI_DC}}}dc", _ROOT_ATTRIB, nsmap=_NSMAP):
        for name, text in fields:
            with xf.element(tags[name]):
                xf.write(clean(text))


OAI_DC_FORMAT = MetadataFormat(prefix="oai_dc", schema=OAI_DC_SCHEMA, namespace=OAI_DC, write=write_dc)


# ---------------------------------------------------------------- the set family fonds:<code>


def _fonds_sets(viewer: Any) -> Iterable[tuple[str, str, str]]:
    ids = visible_units(viewer).order_by().values_list("fonds_id", flat=True).distinct()
    for fonds in Fonds.objects.filter(pk__in=ids).order_by("code"):
        yield f"fonds:{fonds.code}", f"{fonds.code} {fonds.name}", ""


def fonds_of_spec(viewer: Any, spec: str) -> Fonds | None:
    """The fonds a setSpec ``fonds:<code>`` names, when ``viewer`` may know of it (it holds a unit they may see)."""
    code = spec.split(":", 1)[1] if ":" in spec else ""
    fonds = Fonds.objects.filter(code=code).first() if code else None
    if fonds is None or not visible_units(viewer, ArchivalUnit.objects.filter(fonds=fonds)).exists():
        return None
    return fonds


def _fonds_units(viewer: Any, spec: str) -> QuerySet[Any] | None:
    fonds = fonds_of_spec(viewer, spec)
    return None if fonds is None else visible_units(viewer, ArchivalUnit.objects.filter(fonds=fonds))


FONDS_SETS = SetFamily(prefix="fonds", label="全宗", list_sets=_fonds_sets, units=_fonds_units)
