"""The catalog's public write path (catalog.actions.bulk), as another app uses it: rows checked exactly as the import
checks them, refused with messages that name rows and reasons but never a cell's value, and written as new units in
the caller's transaction, with one ImportBatch and one audit entry."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dangan.catalog.actions.bulk import check_new_units, do_write_new_units, plan_rows
from dangan.catalog.models import ArchivalUnit, ImportBatch
from dangan.catalog.tabular import Table, match_headers
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry

HEADER = ["档号", "题名", "责任者", "日期", "密级", "保管期限"]


def table(*rows: list[Any]) -> Table:
    return Table(header=match_headers(HEADER), header_row=1, rows=[list(r) for r in rows], first_row=2)


ROWS = (
    ["Z109-WS·2011-Y-BGS-0001", "关于开展脱贫攻坚工作的通知", "贵州省扶贫开发办公室", "20110305", "", "永久"],
    ["Z109-WS·2011-Y-BGS-0002", "红星计划实施方案", "贵州省扶贫开发办公室", "20110306", "机密", "永久"],
)


def test_rows_are_written_as_new_units_in_the_callers_transaction(fonds: Any, archivist: Any) -> None:
    plan = check_new_units(archivist, fonds, table(*ROWS))
    with pytest.raises(RuntimeError), transaction.atomic():
        do_write_new_units(archivist, fonds, plan, file_name="目录.xlsx", sha256="0" * 64)
        raise RuntimeError("the caller's own write failed")
    assert not ArchivalUnit.objects.exists() and not ImportBatch.objects.exists()  # all or nothing, with the caller

    written = do_write_new_units(
        archivist, fonds, plan, file_name="目录.xlsx", sha256="0" * 64, note="移交接收", audit={"transfer": "T1"}
    )
    assert written.created == 2 and written.batch.status == ImportBatch.Status.DONE
    assert written.batch.message == "移交接收" and written.batch.user == archivist
    units = {row: ArchivalUnit.objects.get(pk=pk) for row, pk in written.units.items()}
    assert {row: unit.reference_code for row, unit in units.items()} == {2: ROWS[0][0], 3: ROWS[1][0]}
    assert units[3].classification == "confidential" and units[3].import_batch == written.batch
    entry = AuditEntry.objects.get(action="catalog.import")
    assert entry.data["transfer"] == "T1" and entry.data["created"] == 2

    with pytest.raises(ValidationError) as refused:  # the same rows again: they are in the catalog now
        check_new_units(archivist, fonds, table(*ROWS))
    assert refused.value.messages == ["第 2 行：该条目已在馆藏目录中", "第 3 行：该条目已在馆藏目录中"]


def test_a_refusal_names_rows_and_reasons_never_values(
    fonds: Any, junior_archivist: Any, security_auditor: Any
) -> None:
    rows = table(ROWS[0], ["Z109-WS·2011-Y-BGS-0003", "关于红星计划的报告", "某单位", "2011-13-45", "机密", "永久"])
    with pytest.raises(ValidationError) as refused:
        check_new_units(junior_archivist, fonds, rows)  # cleared for 公开 only
    text = "；".join(refused.value.messages)
    assert "第 3 行 [日期]" in text and "第 3 行 [密级]" in text and "超出您可查看的范围" in text
    assert "红星计划" not in text and "2011-13-45" not in text
    with pytest.raises(PermissionDenied):
        check_new_units(security_auditor, fonds, table(ROWS[0]))
    plan = plan_rows(fonds, rows)  # the check alone, for every level (accession's four-property check)
    assert len(plan.rows) == 2 and [e.row for e in plan.errors] == [3]
    assert check_new_units(CONSOLE, fonds, table(ROWS[1])).rows[0].values["classification"] == "confidential"
