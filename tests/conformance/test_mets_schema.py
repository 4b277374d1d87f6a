"""The METS documents validate against the official METS 1.12.1 and PREMIS 3.0 schemas shipped in the package
(dangan/preservation/schemas), offline; and the validator catches documents the schemas reject."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

import dangan.preservation
from dangan.preservation.mets import METS_NS, build_mets, schema_dir, validate_mets
from dangan.preservation.premis import PREMIS_NS
from tests.preservation.test_mets import full_record

NS = {"mets": METS_NS, "premis": PREMIS_NS}


def test_the_schemas_are_package_data() -> None:
    """The schemas ship inside the package, so a clone or a wheel anywhere validates METS."""
    directory = schema_dir()
    assert directory == Path(dangan.preservation.__file__).resolve().parent / "schemas"
    for name in ("mets.xsd", "xlink.xsd", "premis.xsd"):
        assert (directory / name).is_file(), f"{name} missing under {directory}"


def test_schemas_load_offline() -> None:
    """The METS schema's xlink import points at the local copy; nothing is fetched."""
    parser = etree.XMLParser(no_network=True)
    mets = etree.parse(str(schema_dir() / "mets.xsd"), parser)
    imports = mets.getroot().findall("{http://www.w3.org/2001/XMLSchema}import")
    assert [i.get("schemaLocation") for i in imports] == ["xlink.xsd"]
    etree.XMLSchema(mets)
    etree.XMLSchema(etree.parse(str(schema_dir() / "premis.xsd"), parser))


def test_a_built_document_is_valid() -> None:
    assert validate_mets(build_mets(full_record(files=50))) == []


def _broken(change: str) -> list[str]:
    root = etree.fromstring(build_mets(full_record(files=2)))
    if change == "premis-size":
        root.find(".//premis:size", NS).text = "十二"
    elif change == "premis-missing-format":
        characteristics = root.find(".//premis:objectCharacteristics", NS)
        characteristics.remove(characteristics.find("premis:format", NS))
    elif change == "premis-unknown-element":
        root.find(".//premis:object[@version]", NS).tag = f"{{{PREMIS_NS}}}objekt"
    elif change == "premis-wrong-mdtype":
        root.find(".//mets:digiprovMD/mets:mdWrap", NS).set("MDTYPE", "PREMIS:AGENT")
    elif change == "premis-event-order":
        event = root.find(".//premis:event", NS)
        event.append(event.find("premis:eventIdentifier", NS))
    elif change == "mets-checksumtype":
        root.find(".//mets:file", NS).set("CHECKSUMTYPE", "SHA-999")
    elif change == "mets-size":
        root.find(".//mets:file", NS).set("SIZE", "-1x")
    elif change == "mets-dangling-idref":
        root.find(".//mets:fptr", NS).set("FILEID", "file-9999")
    elif change == "mets-duplicate-id":
        files = root.findall(".//mets:file", NS)
        files[1].set("ID", files[0].get("ID"))
    elif change == "mets-missing-structmap":
        root.remove(root.find("mets:structMap", NS))
    elif change == "profile-no-description":
        root.remove(root.find("mets:dmdSec", NS))
        root.find("mets:structMap/mets:div", NS).attrib.pop("DMDID")
    return validate_mets(etree.tostring(root, encoding="UTF-8"))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("premis-size", "size"),
        ("premis-missing-format", "format"),
        ("premis-unknown-element", "objekt"),
        ("premis-wrong-mdtype", "premis:agent"),
        ("premis-event-order", "eventIdentifier"),
        ("mets-checksumtype", "CHECKSUMTYPE"),
        ("mets-size", "SIZE"),
        ("mets-dangling-idref", "file-9999"),
        ("mets-duplicate-id", "file-0001"),
        ("mets-missing-structmap", "structMap"),
        ("profile-no-description", "DA/T 46"),
    ],
)
def test_a_broken_document_is_caught(change: str, expected: str) -> None:
    problems = _broken(change)
    assert problems, change
    assert any(expected in problem for problem in problems), problems
    assert all(problem.startswith("第 ") or "DA/T 46" in problem for problem in problems), problems


def test_not_xml() -> None:
    problems = validate_mets(b"<mets:mets xmlns:mets='http://www.loc.gov/METS/'>")
    assert len(problems) == 1 and "XML" in problems[0]


def test_validation_works_from_any_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is looked up relative to the working directory or the checkout: the packaged schemas are used."""
    monkeypatch.chdir("/")
    assert validate_mets(build_mets(full_record(files=1))) == []
