"""OAI-PMH joined with the other parts: the `ead3` format (part ead) of a fonds record, valid inside a valid OAI-PMH
response and holding only what the public may see; the sets of a published thematic database (part themes)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from lxml import etree

from dangan.core.actors import CONSOLE
from dangan.outreach.interchange.oai_pmh import repository_id
from tests.outreach.test_ead import HIDDEN_TO_PUBLIC, ead_schema, holdings
from tests.outreach.test_oai import NS, create, error, harvest, identifiers, oai

__all__ = ["holdings"]
pytestmark = pytest.mark.django_db
EAD = "http://ead3.archivists.org/schema/"


def test_a_fonds_record_in_ead3_is_valid_and_holds_only_the_public_s(fonds: Any, holdings: dict[str, Any]) -> None:
    from dangan.outreach.interchange.oai_pmh import repository_id

    formats = oai(Client(), verb="ListMetadataFormats")
    assert {"oai_dc", "ead3"} <= {
        f.findtext("o:metadataPrefix", namespaces=NS) for f in formats.iter(f"{{{NS['o']}}}metadataFormat")
    }
    identifier = f"oai:{repository_id()}:fonds/{fonds.code}"
    doc = oai(Client(), verb="GetRecord", identifier=identifier, metadataPrefix="ead3")
    assert error(doc) is None, etree.tostring(doc)
    (ead,) = doc.iterfind(f".//{{{EAD}}}ead")
    assert ead_schema().validate(etree.ElementTree(ead)), ead_schema().error_log
    text = etree.tostring(ead, encoding="unicode")
    assert holdings["item"].title in text
    for key in HIDDEN_TO_PUBLIC:
        assert holdings[key].title not in text and str(holdings[key].uuid) not in text
    # a unit's record has no EAD3 of its own
    unit = f"oai:{repository_id()}:unit/{holdings['item'].uuid}"
    assert error(oai(Client(), verb="GetRecord", identifier=unit, metadataPrefix="ead3")) == "cannotDisseminateFormat"
    fonds_only = identifiers(harvest(Client(), "ListIdentifiers", metadataPrefix="ead3"))
    assert fonds_only == [(identifier, None)]


def test_a_published_theme_is_a_set_of_its_visible_members(fonds: Any) -> None:
    from dangan.core.choices import SecurityClassification
    from dangan.outreach.actions.themes import do_create_theme, do_pick_unit, do_set_status

    shown = [create(fonds, f"红军在贵州{i}") for i in range(3)]
    hidden = create(fonds, "红军秘密档案", classification=SecurityClassification.SECRET)
    theme = do_create_theme(CONSOLE, {"slug": "hongjun", "title": "红军在贵州"})
    for unit in [*shown, hidden]:
        do_pick_unit(CONSOLE, theme, unit)
    draft_sets = oai(Client(), verb="ListSets")
    assert "theme:hongjun" not in {s.findtext("o:setSpec", namespaces=NS) for s in draft_sets.iter(f"{{{NS['o']}}}set")}
    do_set_status(CONSOLE, theme, "published")
    sets = oai(Client(), verb="ListSets")
    assert "theme:hongjun" in {s.findtext("o:setSpec", namespaces=NS) for s in sets.iter(f"{{{NS['o']}}}set")}
    members = identifiers(harvest(Client(), "ListIdentifiers", metadataPrefix="oai_dc", set="theme:hongjun"))
    assert sorted(members) == sorted((f"oai:{repository_id()}:unit/{u.uuid}", None) for u in shown)
