"""The unit's catalog fields as the METS document's DA/T 46 description (see docs/development/preservation-metadata.md
for the element each field becomes)."""

from __future__ import annotations

from dangan.catalog.models import ArchivalUnit
from dangan.core.models import Institution
from dangan.preservation.mets import DAT46_FIELDS, Description

# Description field → its DA/T 46 element name (题名, 档号 …), for event details a person reads.
FIELD_LABELS = {attr: path[-1] for path, attr, _kind in DAT46_FIELDS} | {"date_precision": "日期精度"}


def description_for(unit: ArchivalUnit) -> Description:
    """Everything the catalog knows of ``unit`` that a person holding only the storage root would need."""
    fonds = unit.fonds
    institution = fonds.institution if fonds.institution_id else Institution.current()
    category = unit.category
    return Description(
        unit_uuid=str(unit.uuid),
        title=unit.title,
        reference_code=unit.reference_code or "",
        fonds_code=fonds.code,
        fonds_name=fonds.name,
        fonds_creator=fonds.creator,
        archive_code=institution.code if institution else "",
        archive_name=institution.name if institution else "",
        category=category.code if category else "",
        category_name=category.name if category else "",
        level=unit.level,
        responsible=unit.responsible,
        document_number=unit.document_number,
        date=unit.date,
        date_precision=unit.date_precision if unit.date else "",
        year=unit.year,
        retention=unit.retention,
        organization=unit.organization,
        item_number=unit.item_number,
        classification=unit.classification,
        openness=unit.openness,
        page_count=unit.page_count,
        extent=unit.extent,
        subjects=sorted(subject.term for subject in unit.subjects.all()),  # prefetch_related("subjects") is used
        notes=unit.notes,
        remarks=unit.remarks,
        physical_location=unit.physical_location,
        former_reference_codes=list(unit.former_reference_codes or []),
        parent_uuid=str(unit.parent.uuid) if unit.parent is not None else "",
        position=unit.position,
    )


def changed_fields(before: Description, after: Description) -> list[str]:
    """The DA/T 46 names of the fields that differ (for the metadata modification event's detail)."""
    names = [name for name in before.__dataclass_fields__ if getattr(before, name) != getattr(after, name)]
    return [FIELD_LABELS.get(name, name) for name in names]
