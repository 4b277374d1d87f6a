"""Part ead: EAC-CPF 2.0 records of the people and organizations the viewer may know of."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from lxml import etree

from dangan.catalog.choices import Openness, SecurityClassification
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role
from dangan.outreach.interchange.eac import EAC_NAMESPACE, EXPORT_NAMESPACE, export_authorities
from tests.helpers import account

pytestmark = pytest.mark.django_db

SCHEMA = Path(__file__).resolve().parents[1] / "conformance" / "data" / "schemas" / "eac-cpf" / "eac.xsd"
NS = {"x": EXPORT_NAMESPACE, "eac": EAC_NAMESPACE}


@pytest.fixture
def authorities(fonds: Any) -> dict[str, Any]:
    from dangan.catalog.actions.authorities import do_create_authority, do_link_authority
    from dangan.catalog.actions.units import do_create_unit

    public = do_create_unit(CONSOLE, fonds, {"title": "公开的报告", "openness": Openness.OPEN})
    secret = do_create_unit(CONSOLE, fonds, {"title": "秘密的名单", "classification": SecurityClassification.SECRET})
    made = {
        "person": do_create_authority(
            CONSOLE,
            {
                "kind": "person",
                "name": "周恩来",
                "variant_names": ["伍豪"],
                "dates": "1898—1976",
                "description": "政治家。",
            },
        ),
        "organization": do_create_authority(CONSOLE, {"kind": "organization", "name": "贵州省人民政府"}),
        "place": do_create_authority(CONSOLE, {"kind": "place", "name": "遵义"}),
        "hidden": do_create_authority(CONSOLE, {"kind": "person", "name": "只在秘密件里的人"}),
        "unlinked": do_create_authority(CONSOLE, {"kind": "person", "name": "没有关联的人"}),
    }
    for name in ("person", "organization", "place"):
        do_link_authority(CONSOLE, public, made[name], "mentioned")
    do_link_authority(CONSOLE, secret, made["hidden"], "mentioned")
    return made


def records(data: bytes) -> list[etree._Element]:
    document = etree.fromstring(data)
    assert document.tag == f"{{{EXPORT_NAMESPACE}}}records"
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    found = document.findall("eac:eac", NS)
    for eac in found:
        assert schema.validate(etree.ElementTree(eac)), "\n".join(str(e) for e in schema.error_log)
    return found


def names(found: list[etree._Element]) -> list[str]:
    return [e.findtext("eac:cpfDescription/eac:identity/eac:nameEntry/eac:part", namespaces=NS) or "" for e in found]


def test_the_public_gets_valid_records_of_people_and_organizations_of_visible_units(authorities: Any) -> None:
    out = io.BytesIO()
    summary = export_authorities(out, AnonymousUser())
    found = records(out.getvalue())
    assert summary.records == 2
    assert names(found) == ["贵州省人民政府", "周恩来"]  # by kind (organization, person), then name
    person = found[1]
    assert person.findtext("eac:control/eac:recordId", namespaces=NS) == str(authorities["person"].uuid)
    entity = person.find("eac:cpfDescription/eac:identity/eac:entityType", NS)
    assert entity is not None and entity.get("value") == "person"
    assert "伍豪" in etree.tostring(person, encoding="unicode")
    organization = found[0].find("eac:cpfDescription/eac:identity/eac:entityType", NS)
    assert organization is not None and organization.get("value") == "corporateBody"
    text = out.getvalue().decode()
    assert "只在秘密件里的人" not in text and "没有关联的人" not in text and "遵义" not in text


def test_kinds_and_clearance(authorities: Any, tmp_path: Path) -> None:
    target = tmp_path / "eac.xml"
    export_authorities(target, account(Role.ARCHIVIST, SecurityClassification.SECRET), ["person"])
    assert sorted(names(records(target.read_bytes()))) == sorted(["周恩来", "只在秘密件里的人"])
    export_authorities(target, CONSOLE, ["person"])
    assert sorted(names(records(target.read_bytes()))) == sorted(["周恩来", "只在秘密件里的人", "没有关联的人"])
    export_authorities(target, CONSOLE, ["family"])
    assert records(target.read_bytes()) == []
