"""A clone anywhere is complete: the schemas the program needs ship as package data, the conformance data the tests
use is vendored under tests/conformance/data with its source and licence, every XML schema loads offline, and
nothing in the repository reads ``../shared`` (the folder a clone elsewhere does not have)."""

from __future__ import annotations

import glob
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from lxml import etree

from dangan.preservation.mets import schema_dir
from tests.conformance import DATA

REPO = Path(__file__).resolve().parents[2]
XS = "{http://www.w3.org/2001/XMLSchema}"


def xml_schemas() -> list[Path]:
    return sorted([*schema_dir().glob("*.xsd"), *DATA.glob("schemas/*/*.xsd")])


@pytest.mark.parametrize("path", xml_schemas(), ids=lambda p: p.name)
def test_every_schema_loads_offline(path: Path) -> None:
    """Imports and includes name a file beside the schema, never an address: lxml resolves them locally."""
    document = etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False))
    for reference in [*document.iter(f"{XS}import"), *document.iter(f"{XS}include")]:
        location = reference.get("schemaLocation", "")
        assert not re.match(r"[a-z]+://", location), f"{path.name} fetches {location}"
        assert (path.parent / location).is_file(), f"{path.name} imports {location}, which is not beside it"
    etree.XMLSchema(document)


def test_the_schemas_for_the_coming_apps_are_there() -> None:
    for name in ("ead3/ead3.xsd", "eac-cpf/eac.xsd", "oai-pmh/OAI-PMH.xsd", "alto/alto-4-4.xsd", "alto/xlink.xsd"):
        assert (DATA / "schemas" / name).is_file(), name
    iiif = json.loads((DATA / "schemas/iiif/iiif_3_0.json").read_text(encoding="utf-8"))
    assert iiif["$schema"].startswith("http://json-schema.org/draft-07/")


def test_every_vendored_source_names_its_origin_and_licence() -> None:
    """Each folder has a row in data/README.md with its commit; upstream licence files travel with the data."""
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    folders = ["bagit/", "ocfl/1.1/", *(f"schemas/{p.name}/" for p in sorted((DATA / "schemas").iterdir()))]
    for folder in folders:
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{folder}")), None)
        assert row is not None, f"{folder} has no row in tests/conformance/data/README.md"
        assert re.search(r"@ `[0-9a-f]{7,40}`", row), f"{folder}: no source commit"
    for licence in (
        "bagit/LICENSE.md",
        "ocfl/.zenodo.json",
        "schemas/ead3/LICENSE",
        "schemas/eac-cpf/LICENSE",
        "schemas/oai-pmh/LICENSE.txt",
    ):
        assert (DATA / licence).is_file(), licence
    packaged = (schema_dir() / "README.md").read_text(encoding="utf-8")
    for schema in schema_dir().glob("*.xsd"):
        assert f"`{schema.name}`" in packaged, f"{schema.name} is not described in {schema_dir() / 'README.md'}"


def test_the_schemas_are_in_the_package_data() -> None:
    """pyproject.toml's package-data patterns cover every schema, so a wheel (not only a checkout) carries them."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    package = schema_dir().parent  # dangan/preservation: schemas/ is data, not a package
    shipped = {p for pattern in patterns for p in glob.glob(pattern, root_dir=package, recursive=True)}
    for schema in schema_dir().iterdir():
        assert str(schema.relative_to(package)) in shipped, f"{schema.name} would be missing from the wheel"


def test_nothing_reads_the_shared_folder() -> None:
    """A clone elsewhere has no ../shared: neither the program, its tests, benchmarks nor the Makefile may read it."""
    offenders = []
    sources = [*REPO.glob("src/**/*.py"), *REPO.glob("tests/**/*.py"), *REPO.glob("bench/**/*.py")]
    sources += [REPO / "Makefile", *REPO.glob(".ci/*")]
    pattern = re.compile(r"""DANGAN_CONFORMANCE_DIR|\.\./shared|["']shared["']\s*/|shared/conformance""")
    for path in sources:
        if path == Path(__file__) or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_git_ignores_none_of_the_vendored_files() -> None:
    """A .gitignore pattern that caught a vendored file would leave it out of every clone."""
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    files = [str(p.relative_to(REPO)) for p in [*DATA.rglob("*"), *schema_dir().rglob("*")] if p.is_file()]
    ignored = subprocess.run(
        [git, "check-ignore", "--no-index", "--stdin"],
        cwd=REPO,
        input="\n".join(files),
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert not ignored, ignored
