"""Each DA/T 70 transfer-stage item fails on a package made to break it, and names its evidence (file, field or
row, value)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dangan.accession.checks import CheckInput, run_checks
from dangan.accession.choices import CheckResult
from dangan.accession.samples import EICAR, SampleItem, default_items, image_bytes, pdf_bytes


def items(n: int = 2) -> list[SampleItem]:
    return default_items(n)


def rewrite_manifest(bag: Path) -> None:
    """Re-make the tag manifests after a tag file was edited on purpose."""
    import hashlib

    names = sorted(p.name for p in bag.iterdir() if p.is_file() and not p.name.startswith("tagmanifest-"))
    lines = "".join(f"{hashlib.sha512((bag / n).read_bytes()).hexdigest()}  {n}\n" for n in names)
    (bag / "tagmanifest-sha512.txt").write_text(lines, encoding="utf-8")


def with_item(**changes: Any) -> Callable[[], list[SampleItem]]:
    def make() -> list[SampleItem]:
        found = items()
        for key, value in changes.items():
            if key == "extra":
                found[0].extra.update(value)
            else:
                setattr(found[0], key, value)
        return found

    return make


def second_number(number: int) -> Callable[[], list[SampleItem]]:
    def make() -> list[SampleItem]:
        found = items()
        found[1].number = number
        return found

    return make


def break_bag(action: Callable[[Path], None]) -> Callable[[Path], None]:
    return action


def corrupt_content(bag: Path) -> None:
    path = bag / "data/content/0001/正文.pdf"
    path.write_bytes(path.read_bytes().replace(b"dangan", b"DANGAN"))


def missing_content(bag: Path) -> None:
    (bag / "data/content/0001/附件.jpg").unlink()


def unlisted_content(bag: Path) -> None:
    (bag / "data/content/extra.pdf").write_bytes(pdf_bytes(1))


def malformed_manifest(bag: Path) -> None:
    with open(bag / "manifest-sha512.txt", "a", encoding="utf-8") as out:
        out.write("not-a-manifest-line\n")
    rewrite_manifest(bag)


def system_file(bag: Path) -> None:
    (bag / "data/content/.DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")


CASES: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    ("YJ-1-1", {"after": corrupt_content}, {"file": "data/content/0001/正文.pdf"}),
    ("YJ-1-2", {"items": with_item(title="长" * 1200)}, {"field": "题名", "row": 2}),
    ("YJ-1-3", {"items": with_item(extra={"日期": "某年某月"})}, {"field": "日期", "value": "某年某月"}),
    ("YJ-1-4", {"items": with_item(classification="超级机密")}, {"field": "密级", "value": "超级机密"}),
    ("YJ-1-5", {"items": with_item(extra={"页数": "-3"})}, {"field": "页数", "value": "-3"}),
    ("YJ-1-6", {"items": with_item(title="关于\x07通知"), "sheet": "目录.csv"}, {"field": "题名", "row": 2}),
    # bag-info.txt saved in the wrong encoding: 关于扶贫 (UTF-8) read as Windows-1252
    ("YJ-1-6", {"info": {"Source-Organization": "å…³äºŽæ‰¶è´«"}}, {"field": "Source-Organization"}),
    ("YJ-1-7", {"items": with_item(extra={"档号": "Z109/2011/1"})}, {"field": "档号", "value": "Z109/2011/1"}),
    ("YJ-1-8", {"items": second_number(1)}, {"field": "档号"}),
    ("YJ-1-9", {"info": {"Fonds-Code": "X013"}}, {"field": "Fonds-Code", "value": "X013"}),
    ("YJ-1-10", {"items": with_item(pages=7)}, {"field": "页数", "value": "7"}),
    ("YJ-1-11", {"after": unlisted_content}, {"file": "data/content/extra.pdf"}),
    ("YJ-1-12", {"sheet": "清单.xlsx"}, {"file": "data/metadata/"}),
    ("YJ-1-13", {"after": malformed_manifest}, {"field": "MANIFEST_LINE_MALFORMED"}),
    ("YJ-1-14", {"after": unlisted_content}, {"file": "data/content/extra.pdf", "field": "FILE_NOT_IN_MANIFEST"}),
    ("YJ-2-1", {"info": {"Item-Count": "5"}}, {"value": "5"}),
    ("YJ-2-2", {"declared_bytes": 12345}, {"value": "12345"}),
    ("YJ-2-3", {"drop_column": "责任者"}, {"field": "责任者"}),
    ("YJ-2-4", {"items": with_item(responsible="")}, {"field": "责任者", "row": 2}),
    ("YJ-2-5", {"info": {"Source-Organization": ""}}, {"field": "Source-Organization"}),
    ("YJ-2-6", {"items": second_number(3)}, {"field": "件号"}),
    (
        "YJ-2-7",
        {
            "items": with_item(
                files={"content/0001/正文.pdf": pdf_bytes(3)},
                extra={"电子文件": "content/none.pdf;content/0001/正文.pdf"},
                pages=None,
            )
        },
        {"value": "content/none.pdf"},
    ),
    ("YJ-2-8", {"after": missing_content}, {"value": "content/0001/附件.jpg"}),
    ("YJ-2-11", {"after": missing_content}, {"file": "data/content/0001/附件.jpg"}),
    (
        "YJ-3-1",
        {"after": lambda bag: (bag / "data/metadata/目录.xlsx").write_bytes(b"PK\x03\x04 broken")},
        {"file": "data/metadata/目录.xlsx"},
    ),
    (
        "YJ-3-3",
        {
            "items": with_item(
                files={"content/0001/正文.pdf": pdf_bytes(2, pdfa=False), "content/0001/附件.jpg": image_bytes()}
            )
        },
        {"file": "data/content/0001/正文.pdf", "field": "格式"},
    ),
    (
        "YJ-3-4",
        {
            "items": with_item(
                files={
                    "content/0001/正文.pdf": pdf_bytes(2),
                    "content/0001/附件.jpg": image_bytes(size=(400, 300))[:2000],
                }
            )
        },
        {"file": "data/content/0001/附件.jpg"},
    ),
    (
        "YJ-3-8",
        {
            "items": with_item(
                files={"content/0001/正文.pdf": pdf_bytes(2), "content/0001/附件.jpg": pdf_bytes(1)}, pages=None
            )
        },
        {"file": "data/content/0001/附件.jpg"},
    ),
    (
        "YJ-4-2",
        {
            "items": with_item(
                files={
                    "content/0001/正文.pdf": pdf_bytes(2),
                    "content/0001/附件.jpg": image_bytes(),
                    "content/0001/readme.txt": EICAR,
                },
                pages=None,
            )
        },
        {"file": "data/content/0001/readme.txt", "value": "Dangan.Test.EICAR.UNOFFICIAL"},
    ),
    ("YJ-4-3", {"after": system_file}, {"file": "data/content/.DS_Store"}),
]


@pytest.mark.parametrize(("code", "setup", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_item_fails_with_its_evidence(
    accession_env: dict[str, Path],
    make_sip: Any,
    fonds: Any,
    code: str,
    setup: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    sample = setup["items"]() if "items" in setup else items()
    options: dict[str, Any] = {}
    if "info" in setup:
        options["info"] = setup["info"]
    if "sheet" in setup:
        options["sheet"] = setup["sheet"]
    if "drop_column" in setup:
        from dangan.accession import samples

        columns = tuple(c for c in samples.CATALOG_COLUMNS if c != setup["drop_column"])
        original = samples.write_catalog

        def write(path: Path, rows: Any, columns_: Any = columns) -> None:
            index = samples.CATALOG_COLUMNS.index(setup["drop_column"])
            original(path, [[v for i, v in enumerate(r) if i != index] for r in rows], columns)

        samples.write_catalog = write  # type: ignore[assignment]
        try:
            bag = make_sip(sample, **options)
        finally:
            samples.write_catalog = original  # type: ignore[assignment]
    else:
        bag = make_sip(sample, **options)
    if "after" in setup:
        setup["after"](bag)
    run = run_checks(CheckInput(bag=bag, fonds=fonds, declared_bytes=setup.get("declared_bytes")))
    outcome = next(i.outcome for i in run.items if i.spec.code == code)
    assert outcome.result == CheckResult.FAIL, (outcome.summary, [e.to_dict() for e in outcome.evidence])
    assert run.verdict == "fail"
    evidence = [e.to_dict() for e in outcome.evidence]
    assert any(all(str(e.get(k, "")).startswith(str(v)) for k, v in expected.items()) for e in evidence), evidence


def test_read_speed_below_the_minimum_fails(
    accession_env: dict[str, Path], make_sip: Any, fonds: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dangan.accession.checks import items as item_module

    monkeypatch.setattr(item_module, "SPEED_MIN_BYTES", 0)
    settings.ACCESSION_MIN_READ_MBPS = 1e9
    run = run_checks(CheckInput(bag=make_sip(items(1)), fonds=fonds))
    outcome = next(i.outcome for i in run.items if i.spec.code == "YJ-4-4")
    assert outcome.result == CheckResult.FAIL and "MB/s" in outcome.evidence[0].value


def test_antivirus_missing_is_not_performed(
    accession_env: dict[str, Path], no_signatures: Path, make_sip: Any, fonds: Any, settings: Any
) -> None:
    run = run_checks(CheckInput(bag=make_sip(items(1)), fonds=fonds))
    assert run.result("YJ-4-1") == CheckResult.NOT_PERFORMED
    assert run.result("YJ-4-2") == CheckResult.NOT_PERFORMED
    settings.CLAMAV_SCANNER = "no-such-clamscan"
    run = run_checks(CheckInput(bag=make_sip(items(1)), fonds=fonds))
    assert run.result("YJ-4-1") == CheckResult.NOT_PERFORMED and "未安装" in next(
        i.outcome.summary for i in run.items if i.spec.code == "YJ-4-1"
    )


def test_a_valid_package_passes_every_automatic_item(accession_env: dict[str, Path], make_sip: Any, fonds: Any) -> None:
    run = run_checks(CheckInput(bag=make_sip(default_items(8)), fonds=fonds))
    results = {i.spec.code: i.outcome.result for i in run.items}
    assert {code for code, r in results.items() if r == CheckResult.FAIL} == set()
    assert results["YJ-4-2"] == CheckResult.PASS and results["YJ-2-8"] == CheckResult.PASS
    assert os.path.isdir(run.context.scan.database)


@pytest.mark.django_db(transaction=True)
def test_a_target_database_that_cannot_answer_fails_yj_3_2_and_blocks_acceptance(
    accession_env: dict[str, Path], make_sip: Any, fonds: Any, archivist: Any
) -> None:
    """YJ-3-2 on a real failure: the catalog table of the target database is not there while the package is checked
    (as in a database not migrated, or one the check may not read), so the trial import raises in the real planner.
    The table is renamed away for the check only (autocommit, so this works on SQLite and PostgreSQL alike)."""
    from django.core.exceptions import ValidationError
    from django.db import connection

    from dangan.accession.actions.accepting import do_accept
    from dangan.accession.actions.checking import do_check
    from dangan.accession.actions.receiving import do_receive
    from dangan.accession.actions.reports import report_to_dict
    from dangan.accession.choices import TransferStatus, Verdict
    from dangan.catalog.models import ArchivalUnit, ImportBatch
    from dangan.preservation.models import PreservedPackage

    transfer = do_receive(archivist, make_sip(items(2)))
    table = ArchivalUnit._meta.db_table
    hidden = f"{table}_away"
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(hidden)}")
    try:
        report = do_check(archivist, transfer)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {quote(hidden)} RENAME TO {quote(table)}")

    data = report_to_dict(report, archivist)
    item = next(i for i in data["items"] if i["code"] == "YJ-3-2")
    assert item["result"] == CheckResult.FAIL and item["summary"] == "目标数据库未能应答", item
    # The database's own (English) words go to the server log; the report says what happened, in Chinese.
    (evidence,) = item["evidence"]
    assert "数据库出错" in evidence["message"] and table not in evidence["message"], evidence
    # The row-level items could not be judged without the trial import, and say so rather than pass.
    title_length = next(i for i in data["items"] if i["code"] == "YJ-1-2")
    assert title_length["result"] == CheckResult.NOT_PERFORMED and "见 YJ-3-2" in title_length["summary"]
    assert report.verdict == Verdict.FAIL

    with pytest.raises(ValidationError, match="YJ-3-2"):
        do_accept(archivist, transfer, override_reason="测试")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CHECKING
    assert not ArchivalUnit.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not PreservedPackage.objects.exists()
    assert list(accession_env["storage"].rglob("0=ocfl_object_1.1")) == []

    # With the table back, checking again passes the item: the failure was the database, not the package.
    again = do_check(archivist, transfer)
    assert again.items.get(code="YJ-3-2").result == CheckResult.PASS
