"""Part oai: OAI-PMH 2.0 at /oai. Every response is validated against the vendored OAI-PMH schema and each record's
``<oai_dc:dc>`` against the oai_dc schema (tests/conformance/data/schemas), loaded offline. A 秘密 unit and a 控制
unit never show to the public (nor are counted); a unit withdrawn from the public answers as a deleted record."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from lxml import etree

from dangan.catalog.models import ArchivalUnit
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from dangan.outreach.interchange import registry
from dangan.outreach.interchange.oai_pmh import TOKEN_SALT
from dangan.outreach.models import OaiRecord
from tests.conformance import DATA
from tests.helpers import account

OAI = "http://www.openarchives.org/OAI/2.0/"
NS = {"o": OAI, "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/", "dc": "http://purl.org/dc/elements/1.1/"}
_PARSER = etree.XMLParser(no_network=True, resolve_entities=False)
OAI_SCHEMA = etree.XMLSchema(etree.parse(str(DATA / "schemas/oai-pmh/OAI-PMH.xsd"), _PARSER))
DC_SCHEMA = etree.XMLSchema(etree.parse(str(DATA / "schemas/oai-dc/oai_dc.xsd"), _PARSER))

pytestmark = pytest.mark.django_db


def valid(body: bytes) -> Any:
    """The response parsed, after checking it against OAI-PMH.xsd and each oai_dc record against oai_dc.xsd."""
    doc = etree.fromstring(body, _PARSER)
    assert OAI_SCHEMA.validate(doc), OAI_SCHEMA.error_log
    for dc in doc.iterfind(".//oai_dc:dc", NS):
        assert DC_SCHEMA.validate(etree.ElementTree(dc)), DC_SCHEMA.error_log
    return doc


def oai(client: Client, method: str = "get", **kwargs: Any) -> Any:
    params = {k.rstrip("_"): v for k, v in kwargs.items()}
    response = getattr(client, method)("/oai", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    body = b"".join(response.streaming_content)
    return valid(body)


def error(doc: Any) -> str | None:
    found = doc.find("o:error", NS)
    return None if found is None else found.get("code")


def create(fonds: Any, title: str, **data: Any) -> ArchivalUnit:
    from dangan.catalog.actions.units import do_create_unit

    fields = {"title": title, "classification": SecurityClassification.PUBLIC, "openness": "open"}
    fields.update(data)
    return do_create_unit(CONSOLE, fonds, fields, assign_reference_code=False)


@pytest.fixture
def world(fonds: Any, settings: Any) -> dict[str, Any]:
    from dangan.catalog.actions.configuration import do_create_fonds

    settings.OAI_PAGE_SIZE = 2
    public = [
        create(fonds, f"公开档案{i}", responsible="贵州省扶贫开发办公室", date=date(2015, 6, 1), date_precision="day")
        for i in range(5)
    ]
    secret = create(fonds, "秘密档案隐藏", classification=SecurityClassification.SECRET)
    controlled = create(fonds, "控制档案隐藏", openness="controlled")
    other = do_create_fonds(CONSOLE, "Z200", "只有隐藏档案的全宗")
    lone = create(other, "另一全宗的秘密档案", classification=SecurityClassification.SECRET)
    return {"public": public, "secret": secret, "controlled": controlled, "other": other, "lone": lone}


def harvest(client: Client, verb: str, **args: Any) -> Iterator[Any]:
    """Every page of a list, following resumption tokens; checks cursor and completeListSize on the way."""
    doc = oai(client, verb=verb, **args)
    seen = 0
    while True:
        assert error(doc) is None, etree.tostring(doc)
        yield doc
        items = doc.findall(f"o:{verb}/o:record" if verb == "ListRecords" else f"o:{verb}/o:header", NS)
        token = doc.find(f"o:{verb}/o:resumptionToken", NS)
        if token is None:
            return
        assert int(token.get("cursor")) == seen
        seen += len(items)
        if not token.text:
            assert int(token.get("completeListSize")) == seen
            return
        doc = oai(client, verb=verb, resumptionToken=token.text)


def identifiers(docs: Iterator[Any]) -> list[tuple[str, str | None]]:
    return [
        (h.findtext("o:identifier", namespaces=NS), h.get("status"))
        for doc in docs
        for h in doc.iterfind(".//o:header", NS)
    ]


def test_identify(world: Any) -> None:
    doc = oai(Client(), verb="Identify")
    ident = doc.find("o:Identify", NS)
    assert ident.findtext("o:repositoryName", namespaces=NS) == "贵州省档案馆"
    assert ident.findtext("o:baseURL", namespaces=NS) == "http://testserver/oai"
    assert ident.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert ident.findtext("o:deletedRecord", namespaces=NS) == "transient"
    assert ident.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert doc.find("o:request", NS).get("verb") == "Identify"


def test_the_whole_repository_harvested_with_tokens_shows_only_what_the_public_sees(world: Any) -> None:
    client = Client()
    expected = {f"oai:gzsdag:unit/{u.uuid}" for u in world["public"]} | {"oai:gzsdag:fonds/Z109"}
    docs = list(harvest(client, "ListRecords", metadataPrefix="oai_dc"))
    assert len(docs) == 3  # 6 records, 2 a page
    got = identifiers(iter(docs))
    assert {i for i, _status in got} == expected and len(got) == len(expected)
    assert all(status is None for _i, status in got)
    text = b"".join(etree.tostring(d) for d in docs).decode()
    for hidden in ("secret", "controlled", "lone"):
        assert world[hidden].title not in text and str(world[hidden].uuid) not in text
    assert "Z200" not in text
    first = docs[0].find("o:ListRecords/o:resumptionToken", NS)
    assert first.get("completeListSize") == "6" and first.get("expirationDate")
    # The Dublin Core of a unit: what the portal shows.
    unit = world["public"][0]
    record = next(
        r
        for d in docs
        for r in d.iterfind(".//o:record", NS)
        if r.findtext("o:header/o:identifier", namespaces=NS).endswith(str(unit.uuid))
    )
    dc = record.find(".//oai_dc:dc", NS)
    assert dc.findtext("dc:title", namespaces=NS) == unit.title
    assert dc.findtext("dc:creator", namespaces=NS) == "贵州省扶贫开发办公室"
    assert dc.findtext("dc:date", namespaces=NS) == "2015-06-01"
    assert f"http://testserver/units/{unit.uuid}/" in [e.text for e in dc.iterfind("dc:identifier", NS)]
    assert record.findtext("o:header/o:setSpec", namespaces=NS) == "fonds:Z109"
    # ListIdentifiers gives the same identifiers.
    assert {i for i, _s in identifiers(harvest(client, "ListIdentifiers", metadataPrefix="oai_dc"))} == expected


def test_post_and_get_record(world: Any) -> None:
    unit = world["public"][1]
    doc = oai(Client(), "post", verb="GetRecord", identifier=f"oai:gzsdag:unit/{unit.uuid}", metadataPrefix="oai_dc")
    assert doc.findtext(".//dc:title", namespaces=NS) == unit.title
    doc = oai(Client(), verb="GetRecord", identifier="oai:gzsdag:fonds/Z109", metadataPrefix="oai_dc")
    assert doc.findtext(".//dc:title", namespaces=NS) == "贵州省扶贫开发办公室"


def test_hidden_records_answer_like_missing_ones(world: Any) -> None:
    client = Client()
    answers = []
    for ident in (
        f"oai:gzsdag:unit/{world['secret'].uuid}",
        f"oai:gzsdag:unit/{world['controlled'].uuid}",
        "oai:gzsdag:unit/00000000-0000-0000-0000-000000000000",
        "oai:gzsdag:fonds/Z200",
        "oai:gzsdag:fonds/NOPE",
    ):
        doc = oai(client, verb="GetRecord", identifier=ident, metadataPrefix="oai_dc")
        assert error(doc) == "idDoesNotExist"
        answers.append(doc.findtext("o:error", namespaces=NS).replace(ident, "…"))
        doc = oai(client, verb="ListMetadataFormats", identifier=ident)
        assert error(doc) == "idDoesNotExist"
    assert len(set(answers)) == 1


def test_sets_and_selective_harvesting(world: Any) -> None:
    client = Client()
    doc = oai(client, verb="ListSets")
    specs = [s.findtext("o:setSpec", namespaces=NS) for s in doc.iterfind(".//o:set", NS)]
    assert specs == ["fonds:Z109"]
    got = identifiers(harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", set="fonds:Z109"))
    assert len(got) == 6
    for spec in ("fonds:Z200", "fonds:NOPE", "nofamily:x"):
        assert error(oai(client, verb="ListRecords", metadataPrefix="oai_dc", set=spec)) == "noRecordsMatch"
    # from / until: two records are dated in 2020, the rest now.
    early = [world["public"][0].pk, world["public"][1].pk]
    OaiRecord.objects.filter(unit_id__in=early).update(datestamp=datetime(2020, 5, 1, 8, 30, tzinfo=UTC))
    got = identifiers(harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", until="2020-05-01T08:30:00Z"))
    assert {i for i, _s in got} == {f"oai:gzsdag:unit/{u.uuid}" for u in world["public"][:2]}
    got = identifiers(harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", from_="2020-05-02"))
    assert len(got) == 4
    got = identifiers(
        harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", from_="2020-05-01", until="2020-05-01")
    )
    assert len(got) == 2
    doc = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until="2019-12-31")
    assert error(doc) == "noRecordsMatch"
    doc = oai(client, verb="Identify")
    assert doc.findtext(".//o:earliestDatestamp", namespaces=NS) == "2020-05-01T08:30:00Z"


def test_a_unit_withdrawn_from_the_public_is_a_deleted_record(world: Any) -> None:
    from dangan.catalog.actions.units import do_delete_unit, do_update_unit

    client = Client()
    withdrawn, raised, deleted = world["public"][:3]
    before = OaiRecord.objects.get(unit=withdrawn).datestamp
    OaiRecord.objects.update(datestamp=datetime(2020, 1, 1, tzinfo=UTC))
    do_update_unit(CONSOLE, withdrawn, {"openness": "controlled"})
    do_update_unit(CONSOLE, raised, {"classification": SecurityClassification.SECRET})
    do_delete_unit(CONSOLE, deleted)
    assert OaiRecord.objects.get(unit_id=withdrawn.pk).datestamp >= before
    got = dict(identifiers(harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", from_="2021-01-01")))
    assert got == {
        f"oai:gzsdag:unit/{withdrawn.uuid}": "deleted",
        f"oai:gzsdag:unit/{raised.uuid}": "deleted",
        f"oai:gzsdag:unit/{deleted.uuid}": "deleted",
        "oai:gzsdag:fonds/Z109": None,
    }
    doc = oai(client, verb="GetRecord", identifier=f"oai:gzsdag:unit/{withdrawn.uuid}", metadataPrefix="oai_dc")
    assert doc.find(".//o:header", NS).get("status") == "deleted"
    assert doc.find(".//o:metadata", NS) is None and withdrawn.title.encode() not in etree.tostring(doc)
    # A deleted record is in its fonds' set, and ListRecords gives it without metadata.
    docs = list(harvest(client, "ListRecords", metadataPrefix="oai_dc", set="fonds:Z109", from_="2021-01-01"))
    records = [r for d in docs for r in d.iterfind(".//o:record", NS)]
    assert sum(1 for r in records if r.find("o:header", NS).get("status") == "deleted") == 3
    # Opened again: live, with a new datestamp.
    do_update_unit(CONSOLE, withdrawn, {"openness": "open"})
    doc = oai(client, verb="GetRecord", identifier=f"oai:gzsdag:unit/{withdrawn.uuid}", metadataPrefix="oai_dc")
    assert doc.find(".//o:header", NS).get("status") is None


def test_a_signed_in_harvester_sees_what_the_policy_shows_the_account(world: Any) -> None:
    from dangan.core.actions.accounts import do_create_api_token

    harvester = account(Role.ARCHIVIST, SecurityClassification.SECRET)
    _token, key = do_create_api_token(harvester, "harvest")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    ident = f"oai:gzsdag:unit/{world['secret'].uuid}"
    doc = oai(client, verb="GetRecord", identifier=ident, metadataPrefix="oai_dc")
    assert doc.findtext(".//dc:title", namespaces=NS) == world["secret"].title
    got = {i for i, _s in identifiers(harvest(client, "ListIdentifiers", metadataPrefix="oai_dc"))}
    assert ident in got and "oai:gzsdag:fonds/Z200" in got and len(got) == 10
    # A token the public was given is not the harvester's, nor the other way round.
    public_token = oai(Client(), verb="ListIdentifiers", metadataPrefix="oai_dc").findtext(
        ".//o:resumptionToken", namespaces=NS
    )
    assert error(oai(client, verb="ListIdentifiers", resumptionToken=public_token)) == "badResumptionToken"
    # A wrong bearer token is refused, not taken for the public.
    response = Client(HTTP_AUTHORIZATION="Bearer nonsense").get("/oai", {"verb": "Identify"})
    assert response.status_code == 401


def _expired_token(data: list[Any]) -> str:
    class Old(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - 10 * 86400)

    return Old(salt=TOKEN_SALT).sign_object(data, compress=True)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Nonsense"}, "badVerb"),
        ({"verb": ["Identify", "Identify"]}, "badVerb"),
        ({"verb": "Identify", "extra": "1"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01T00:00"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-13-01"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01T00:00:00.5Z"}, "badArgument"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01", "until": "2020-01-02T00:00:00Z"},
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-01-01", "until": "2020-01-01"},
            "badArgument",
        ),
        ({"verb": "GetRecord", "identifier": "oai:gzsdag:fonds/Z109"}, "badArgument"),
        ({"verb": "ListSets", "set": "fonds:Z109"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {"verb": "GetRecord", "identifier": "oai:gzsdag:fonds/Z109", "metadataPrefix": "marc21"},
            "cannotDisseminateFormat",
        ),
        ({"verb": "ListRecords", "resumptionToken": "forged"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "anything"}, "badResumptionToken"),
        ({"verb": "GetRecord", "identifier": "nonsense", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
        ({"verb": "GetRecord", "identifier": "oai:elsewhere:fonds/Z109", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
        ({"verb": "ListMetadataFormats", "identifier": "oai:gzsdag:unit/x"}, "idDoesNotExist"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2099-01-01"}, "noRecordsMatch"),
    ],
)
def test_errors(world: Any, args: dict[str, Any], code: str) -> None:
    doc = oai(Client(), **args)
    assert error(doc) == code
    request = doc.find("o:request", NS)
    if code in ("badVerb", "badArgument"):
        assert dict(request.attrib) == {}
    assert doc.find("o:ListRecords", NS) is None


def test_tampered_and_expired_tokens(world: Any) -> None:
    client = Client()
    token = oai(client, verb="ListRecords", metadataPrefix="oai_dc").findtext(".//o:resumptionToken", namespaces=NS)
    assert error(oai(client, verb="ListRecords", resumptionToken=token)) is None
    assert error(oai(client, verb="ListIdentifiers", resumptionToken=token)) == "badResumptionToken"
    assert error(oai(client, verb="ListRecords", resumptionToken=token[:-2] + "xx")) == "badResumptionToken"
    data = signing.loads(token, salt=TOKEN_SALT)
    assert error(oai(client, verb="ListRecords", resumptionToken=_expired_token(data))) == "badResumptionToken"


def test_formats_and_families_come_from_the_registry(world: Any) -> None:
    """A format for fonds only (as ead3 is) and another set family, registered for this test."""
    from dangan.catalog.models import Fonds
    from dangan.catalog.policy import visible_units

    def write(xf: Any, record: Any, viewer: Any) -> None:
        with xf.element("{urn:test:fondsonly}fonds"):
            xf.write(record.code)

    only = registry.MetadataFormat(
        "fondsonly", "urn:test:fondsonly.xsd", "urn:test:fondsonly", write, applies=lambda r: isinstance(r, Fonds)
    )
    first = world["public"][0]
    family = registry.SetFamily(
        "pick",
        "挑选",
        lambda viewer: [("pick:one", "一件", "")],
        lambda viewer, spec: (
            visible_units(viewer, ArchivalUnit.objects.filter(pk=first.pk)) if spec == "pick:one" else None
        ),
    )
    registry.register_metadata_format(only)
    registry.register_set_family(family)
    saved_formats = dict(registry._formats)
    try:
        client = Client()
        doc = oai(client, verb="ListMetadataFormats")
        prefixes = [p.text for p in doc.iterfind(".//o:metadataPrefix", NS)]
        assert {"oai_dc", "fondsonly"} <= set(prefixes) and prefixes.index("oai_dc") < prefixes.index("fondsonly")
        unit_id = f"oai:gzsdag:unit/{first.uuid}"
        doc = oai(client, verb="ListMetadataFormats", identifier=unit_id)
        assert [p.text for p in doc.iterfind(".//o:metadataPrefix", NS)] == ["oai_dc"]
        doc = oai(client, verb="GetRecord", identifier=unit_id, metadataPrefix="fondsonly")
        assert error(doc) == "cannotDisseminateFormat"
        got = identifiers(harvest(client, "ListIdentifiers", metadataPrefix="fondsonly"))
        assert got == [("oai:gzsdag:fonds/Z109", None)]
        doc = oai(client, verb="ListSets")
        assert "pick:one" in [s.text for s in doc.iterfind(".//o:setSpec", NS)]
        got = identifiers(harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", set="pick:one"))
        assert got == [(unit_id, None)]
        # No format for a unit: noMetadataFormats.
        del registry._formats["oai_dc"]
        assert error(oai(client, verb="ListMetadataFormats", identifier=unit_id)) == "noMetadataFormats"
        # No set family at all: noSetHierarchy.
        saved_sets = dict(registry._sets)
        registry._sets.clear()
        try:
            assert error(oai(client, verb="ListSets")) == "noSetHierarchy"
            doc = oai(client, verb="ListIdentifiers", metadataPrefix="fondsonly", set="fonds:Z109")
            assert error(doc) == "noSetHierarchy"
        finally:
            registry._sets.update(saved_sets)
    finally:
        registry._formats.clear()
        registry._formats.update(saved_formats)
        del registry._formats["fondsonly"]
        del registry._sets["pick"]


def test_sweep_request_without_arguments_is_bad_verb(world: Any) -> None:
    response = Client().get("/oai")
    assert response.status_code == 200
    assert error(valid(b"".join(response.streaming_content))) == "badVerb"


def test_rebuild_gives_rows_to_units_written_by_other_means(world: Any, capsys: Any) -> None:
    from dangan.cli import main

    kept = OaiRecord.objects.get(unit=world["public"][0]).datestamp
    OaiRecord.objects.exclude(unit=world["public"][0]).delete()
    assert main(["outreach", "oai-rebuild"]) == 0
    assert "added: 9" in capsys.readouterr().out  # the 7 other units and the 2 fonds
    assert OaiRecord.objects.get(unit=world["public"][0]).datestamp == kept
    rows = OaiRecord.objects.filter(ever_public=True)
    assert {r.local_id for r in rows} == {str(u.uuid) for u in world["public"]} | {"Z109"}
    got = identifiers(harvest(Client(), "ListIdentifiers", metadataPrefix="oai_dc"))
    assert len(got) == 6


def test_a_unit_made_again_takes_over_its_deleted_record_and_a_reused_id_never_mixes_two(fonds: Any) -> None:
    """A unit deleted and made again with its UUID (an export imported back) is one live record again; a new unit
    given the id of a deleted one (SQLite reuses the highest rowid) gets its own record, and the deleted one stays
    deleted under its own identifier."""
    from dangan.catalog.actions.units import do_delete_unit

    kept = create(fonds, "先有的档案")
    gone = create(fonds, "删除后重建的档案")
    uuid = gone.uuid
    do_delete_unit(CONSOLE, gone)
    from dangan.outreach.actions.oai import follow_units

    again = create(fonds, "删除后重建的档案")  # made again with the old UUID, as the import of an export does
    ArchivalUnit.objects.filter(pk=again.pk).update(uuid=uuid)
    follow_units([again.pk])
    rows = OaiRecord.objects.filter(local_id=str(uuid))
    assert rows.count() == 1 and rows.get().unit_id == again.pk
    doc = oai(Client(), verb="GetRecord", identifier=f"oai:gzsdag:unit/{uuid}", metadataPrefix="oai_dc")
    assert doc.find(".//o:header", NS).get("status") is None
    # the highest id deleted, then a new unit: on SQLite it gets that id again
    last = create(fonds, "最后一件")
    last_uuid, last_pk = last.uuid, last.pk
    do_delete_unit(CONSOLE, last)
    newcomer = create(fonds, "新来的一件")
    assert OaiRecord.objects.get(local_id=str(newcomer.uuid)).unit_id == newcomer.pk
    tombstone = OaiRecord.objects.get(local_id=str(last_uuid))
    assert tombstone.unit_id in (None, last_pk) and (tombstone.unit_id is None) == (newcomer.pk == last_pk)
    doc = oai(Client(), verb="GetRecord", identifier=f"oai:gzsdag:unit/{last_uuid}", metadataPrefix="oai_dc")
    assert doc.find(".//o:header", NS).get("status") == "deleted"
    assert kept.pk != newcomer.pk
