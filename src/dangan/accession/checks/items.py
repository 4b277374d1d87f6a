"""The DA/T 70-2018 items of the transfer stage (移交与接收, YJ-…) that software can check, and the checklist items a
person signs. Each function judges the facts gathered in checks.context and names its evidence: the file, the
field or row, the value.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.conf import settings

from dangan.accession.choices import CheckResult, Property
from dangan.accession.profile import FILES_HEADERS, INFO_BAGGING_DATE, INFO_FONDS, INFO_ITEMS, INFO_SOURCE
from dangan.accession.profile import normalize_path as normalize
from dangan.catalog.actions.bulk import PlannedRow
from dangan.catalog.choices import UnitLevel
from dangan.utilities.text import special_character_problem

from .context import CheckContext
from .registry import Evidence, Outcome, register_check, register_manual_check

AUTH, INTEG, USE, SEC = Property.AUTHENTICITY, Property.INTEGRITY, Property.USABILITY, Property.SECURITY
PASS, FAIL, NA, NOT_PERFORMED = (
    CheckResult.PASS,
    CheckResult.FAIL,
    CheckResult.NOT_APPLICABLE,
    CheckResult.NOT_PERFORMED,
)

# BagIt problems (accession.bagit codes) → the item that judges them. Errors not named here are structure (1-13).
FIXITY_CODES = {"DIGEST_MISMATCH", "TAG_DIGEST_MISMATCH", "FILE_UNREADABLE"}
CONSISTENCY_CODES = {
    "FILE_NOT_IN_MANIFEST",
    "TAG_FILE_MISSING",
    "DUPLICATE_ENTRY",
    "CONFLICTING_ENTRY",
    "FETCH_NOT_IN_MANIFEST",
}
COMPLETENESS_CODES = {"FILE_MISSING", "FETCH_INCOMPLETE", "EMPTY_PAYLOAD"}
OXUM_CODES = {"OXUM_MISMATCH"}
EXTRA_FILE_CODES = {"HIDDEN_FILE", "SYSTEM_FILE", "EMPTY_DIRECTORY"}
OTHER_ITEMS = FIXITY_CODES | CONSISTENCY_CODES | COMPLETENESS_CODES | OXUM_CODES | EXTRA_FILE_CODES
TAG_FILES = re.compile(r"^(bagit\.txt|bag-info\.txt|fetch\.txt|(tag)?manifest-[a-z0-9]+\.txt)$")
BAGIT_VERSION = "1.0"  # what the profile asks for; older versions the validator accepts pass with a note
SPEED_MIN_BYTES = 16 << 20  # below this, start-up costs dominate and a speed says nothing about the carrier
UNSAFE_NAME = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')
# Fields every item of a transfer must state (DA/T 70 2-4), beyond what the catalog itself requires.
DEFAULT_REQUIRED = ("title", "responsible", "date", "retention")
FIELD_LABELS = {
    "title": "题名",
    "responsible": "责任者",
    "date": "日期",
    "retention": "保管期限",
    "year": "年度",
    "page_count": "页数",
    "classification": "密级",
    "document_number": "文号",
    "reference_code": "档号",
}


# ------------------------------------------------------------------------------------------------ helpers


def bag_evidence(ctx: CheckContext, codes: Iterable[str], *, warnings: bool = False) -> list[Evidence]:
    wanted = set(codes)
    return [
        Evidence(p.message_zh, file=p.path or "", field=p.code)
        for p in ctx.bag_report.problems
        if p.code in wanted and (warnings or p.severity == "error")
    ]


def row_evidence(ctx: CheckContext, code: str) -> list[Evidence]:
    if ctx.plan is None:
        return []
    return [
        Evidence(e.reason, file=ctx.catalog.source_of(e.row), field=e.column, value=e.value, row=e.row)
        for e in ctx.plan.errors
        if e.code == code
    ]


def no_catalog(ctx: CheckContext) -> Outcome | None:
    """The outcome of a row-level item when the rows could not be checked, else None."""
    if ctx.plan is not None:
        return None
    if ctx.catalog.table is None:
        return Outcome(NOT_PERFORMED, "目录文件缺失或无法读取，未能检测（见 YJ-1-12、YJ-3-1）")
    if ctx.fonds is None:
        return Outcome(NOT_PERFORMED, "未能确定全宗，著录项未能检测（见 YJ-1-9）")
    return Outcome(NOT_PERFORMED, f"目标数据库未能应答：{ctx.plan_error}（见 YJ-3-2）")


def rows(ctx: CheckContext) -> list[PlannedRow]:
    return ctx.plan.rows if ctx.plan is not None else []


def is_item(row: PlannedRow) -> bool:
    return row.values["level"] == UnitLevel.ITEM


def listed(ctx: CheckContext, row: int) -> list[tuple[str, str | None]]:
    """(path as written, bag-relative path or None when it leaves data/) for each file of a row."""
    return [(p, ("data/" + n) if (n := normalize(p)) else None) for p in ctx.catalog.files.get(row, [])]


def code_of(row: PlannedRow) -> str:
    return row.values["reference_code"] or f"第 {row.number} 行"


def at_row(ctx: CheckContext, row: PlannedRow, message: str, field: str = "", value: str = "") -> Evidence:
    return Evidence(message, file=ctx.catalog.source_of(row.number), field=field, value=value, row=row.number)


def content_files(ctx: CheckContext) -> Iterator[str]:
    return iter(sorted(ctx.files))


# ---------------------------------------------------------------------------------- 1 真实性 authenticity


@register_check("YJ-1-1", "固化信息有效性", AUTH, "核对信息包清单中每个文件的摘要（BagIt 固定性）")
def fixity(ctx: CheckContext) -> Outcome:
    found = bag_evidence(ctx, FIXITY_CODES)
    report = ctx.bag_report
    if not report.payload_algorithms:
        return Outcome(FAIL, "信息包没有可用的摘要清单，无法核对固化信息", bag_evidence(ctx, {"MANIFEST_MISSING"}))
    algorithms = "、".join(report.payload_algorithms)
    return Outcome.judge(
        found, f"{report.payload_files} 个文件的 {algorithms} 摘要全部相符", "{count} 个文件的摘要不符或无法读取"
    )


@register_check("YJ-1-2", "元数据项数据长度", AUTH, "每个著录项不超过系统规定的长度")
def data_length(ctx: CheckContext) -> Outcome:
    return no_catalog(ctx) or Outcome.judge(row_evidence(ctx, "1-2"), "著录项长度均符合规定", "{count} 处超长")


@register_check("YJ-1-3", "类型、格式", AUTH, "日期、数字等著录项的数据类型与格式")
def data_types(ctx: CheckContext) -> Outcome:
    return no_catalog(ctx) or Outcome.judge(
        row_evidence(ctx, "1-3"), "著录项类型与格式正确", "{count} 处类型或格式错误"
    )


@register_check("YJ-1-4", "设定值域的值域符合度", AUTH, "密级、保管期限、开放状态、门类等取自规定值域")
def value_ranges(ctx: CheckContext) -> Outcome:
    return no_catalog(ctx) or Outcome.judge(row_evidence(ctx, "1-4"), "取值均在规定值域内", "{count} 处取值不在值域内")


@register_check("YJ-1-5", "数据值合理性", AUTH, "日期、年度、页数、件号等数值合理，层级关系成立")
def plausibility(ctx: CheckContext) -> Outcome:
    missing = no_catalog(ctx)
    if missing:
        return missing
    found = row_evidence(ctx, "1-5")
    # Row problems the catalog gives no item code (hierarchy, references) are about plausibility too.
    found += [e for e in row_evidence(ctx, "") if "密级" not in e.message]
    return Outcome.judge(found, "日期、页数等数值合理", "{count} 处数值不合理")


@register_check("YJ-1-6", "包含特殊字符", AUTH, "著录项、文件名与说明文件中没有控制字符、乱码或文件系统不允许的字符")
def special_characters(ctx: CheckContext) -> Outcome:
    missing = no_catalog(ctx)
    found = [] if missing else row_evidence(ctx, "1-6")
    for path in content_files(ctx):
        name = path.rsplit("/", 1)[-1]
        if problem := special_character_problem(name):
            found.append(Evidence(f"文件名{problem}", file=path, value=name))
        elif UNSAFE_NAME.search(name):
            shown = "、".join(sorted(set(UNSAFE_NAME.findall(name))))
            found.append(Evidence(f"文件名含特殊字符（{shown}）", file=path, value=name))
    for label, value in ctx.bag_report.info:
        if problem := special_character_problem(value):
            found.append(Evidence(problem, file="bag-info.txt", field=label, value=value))
    if missing and not found:
        return missing
    return Outcome.judge(found, "未发现特殊字符", "{count} 处含特殊字符")


@register_check("YJ-1-7", "档号规范性", AUTH, "档号符合档号规则，且与全宗、门类、年度、保管期限、件号一致")
def reference_codes(ctx: CheckContext) -> Outcome:
    missing = no_catalog(ctx)
    if missing:
        return missing
    found = row_evidence(ctx, "1-7")
    for row in rows(ctx):
        if not row.bad and is_item(row) and not row.values["reference_code"]:
            found.append(at_row(ctx, row, "未给出档号，且分类信息不足以生成档号（需年度、保管期限等）", "档号"))
    return Outcome.judge(found, "档号均符合档号规则", "{count} 处档号不规范")


@register_check("YJ-1-8", "数据重复性", AUTH, "档号不重复、不与馆藏重复，同一文件不被两条著录引用，信息包未曾接收")
def duplicates(ctx: CheckContext) -> Outcome:
    found = [
        Evidence(
            f"同一信息包已于 {t.created:%Y-%m-%d %H:%M} 接收（移交 {t.uuid}）", file="manifest", value=ctx.bag_digest
        )
        for t in ctx.duplicates
    ]
    missing = no_catalog(ctx)
    if not missing:
        found += row_evidence(ctx, "1-8")
        for row in rows(ctx):
            if row.existing_id is not None:
                found.append(at_row(ctx, row, "该条目已在馆藏目录中（重复移交）", "档号", code_of(row)))
        claimed: dict[str, int] = {}
        for row in rows(ctx):
            for written, path in listed(ctx, row.number):
                if path is None:
                    continue
                if path in claimed and claimed[path] != row.number:
                    found.append(
                        at_row(ctx, row, f"文件已由第 {claimed[path]} 行引用", ctx.catalog.files_header, written)
                    )
                claimed.setdefault(path, row.number)
    return Outcome.judge(found, "未发现重复", "{count} 处重复")


@register_check("YJ-1-9", "全宗号/目录号/分类号与档案馆要求一致性", AUTH, "全宗存在，著录与信息包声明的全宗号一致")
def fonds_consistency(ctx: CheckContext) -> Outcome:
    found: list[Evidence] = []
    if ctx.fonds is None:
        message = (
            f"全宗 {ctx.fonds_code} 不存在"
            if ctx.fonds_code
            else "未指定全宗（--fonds、bag-info 的 Fonds-Code 或目录的全宗号）"
        )
        found.append(Evidence(message, field="全宗号", value=ctx.fonds_code))
        return Outcome(FAIL, message, found)
    declared = ctx.info(INFO_FONDS)
    if declared and declared.upper() != ctx.fonds.code.upper():
        found.append(
            Evidence(f"与接收全宗 {ctx.fonds.code} 不一致", file="bag-info.txt", field=INFO_FONDS, value=declared)
        )
    found += row_evidence(ctx, "1-9")
    return Outcome.judge(found, f"全宗号 {ctx.fonds.code} 一致", "{count} 处与全宗要求不一致")


@register_check("YJ-1-10", "内容数据的电子属性一致性", AUTH, "页数、文件大小、格式与著录一致")
def electronic_attributes(ctx: CheckContext) -> Outcome:
    missing = no_catalog(ctx)
    if missing:
        return missing
    found: list[Evidence] = []
    compared = 0
    for row in rows(ctx):
        declared = row.values["page_count"]
        pages, complete = 0, True
        paths = [p for _w, p in listed(ctx, row.number)]
        for path in paths:
            facts = ctx.files.get(path) if path else None
            counted = facts.readability.pages if facts and facts.readability else None
            if counted is None:
                complete = False
            else:
                pages += counted
        if declared and paths and complete:
            compared += 1
            if pages != declared:
                found.append(
                    at_row(
                        ctx,
                        row,
                        f"著录页数 {declared}，电子文件共 {pages} 页",
                        FIELD_LABELS["page_count"],
                        str(declared),
                    )
                )
    for path, attributes in sorted(ctx.catalog.declared.items()):
        facts = ctx.files.get("data/" + path)
        if facts is None:
            continue
        size = attributes.get("size", "").strip()
        if size:
            compared += 1
            if not size.isdigit() or int(size) != facts.size:
                found.append(
                    Evidence(
                        f"著录大小 {size}，实际 {facts.size} 字节", file=facts.path, field="计算机文件大小", value=size
                    )
                )
        declared_format = attributes.get("format", "").strip()
        if declared_format and facts.found is not None:
            compared += 1
            wanted = re.sub(r"[\s/_-]", "", declared_format).upper()
            names = {
                re.sub(r"[\s/_-]", "", n).upper()
                for n in (facts.found.format_name, facts.found.name_zh, facts.found.mime_type)
            }
            ext = facts.path.rsplit(".", 1)[-1].upper()
            if not any(wanted in n or n.startswith(wanted) for n in names if n) and wanted != ext:
                found.append(
                    Evidence(
                        f"著录格式 {declared_format}，识别为 {facts.found.name_zh}",
                        file=facts.path,
                        field="格式信息",
                        value=declared_format,
                    )
                )
    if not compared and not found:
        return Outcome(NA, "著录中没有可与内容比对的页数、大小或格式")
    return Outcome.judge(found, f"比对 {compared} 项电子属性，全部一致", "{count} 处电子属性与著录不一致")


@register_check("YJ-1-11", "元数据是否关联内容数据", AUTH, "每件档案都挂接了电子文件，每个电子文件都有著录")
def metadata_links(ctx: CheckContext) -> Outcome:
    missing = no_catalog(ctx)
    if missing:
        return missing
    found: list[Evidence] = []
    referenced: set[str] = set()
    header = ctx.catalog.files_header or FILES_HEADERS[0]
    for row in rows(ctx):
        entries = listed(ctx, row.number)
        if not entries and is_item(row):
            found.append(at_row(ctx, row, f"未挂接电子文件（{header} 为空）", header))
        for written, path in entries:
            if path is None:
                found.append(at_row(ctx, row, "路径不合规（应为相对 data/ 的路径）", header, written))
                continue
            referenced.add(path)
            if path in ctx.catalog.metadata_paths:
                found.append(at_row(ctx, row, "引用的是目录文件本身", header, written))
    for path in content_files(ctx):
        if path not in referenced:
            found.append(Evidence("电子文件没有对应的著录条目", file=path))
    return Outcome.judge(found, "著录与电子文件一一挂接", "{count} 处著录与内容未关联")


@register_check(
    "YJ-1-12", "说明文件和目录文件规范性", AUTH, "目录文件（目录.xlsx/目录.csv 或 XML）与说明文件 bag-info.txt 合乎规范"
)
def description_files(ctx: CheckContext) -> Outcome:
    found = [Evidence(p.message, file=p.file) for p in ctx.catalog.problems if p.code == "1-12"]
    if ctx.catalog.kind == "sheet" and ctx.catalog.table is not None and not ctx.catalog.files_header:
        found.append(Evidence(f"目录缺少“{FILES_HEADERS[0]}”列", file=ctx.catalog.paths[0], field=FILES_HEADERS[0]))
    if not ctx.bag_report.info:
        found.append(Evidence("缺少说明文件 bag-info.txt 或其中没有条目", file="bag-info.txt"))
    found += bag_evidence(ctx, {"BAGINFO_LINE_MALFORMED", "OXUM_MALFORMED", "OXUM_CONFLICT"})
    kind = {"sheet": "目录表格", "xml": "XML 著录文件"}.get(ctx.catalog.kind, "")
    return Outcome.judge(found, f"{kind} {'、'.join(ctx.catalog.paths)} 与 bag-info.txt 合乎规范", "{count} 处不规范")


@register_check(
    "YJ-1-13", "信息包目录结构规范性", AUTH, "BagIt 1.0 结构：bagit.txt、data/、清单，目录文件位于 data/metadata/"
)
def structure(ctx: CheckContext) -> Outcome:
    found = [
        Evidence(p.message_zh, file=p.path or "", field=p.code)
        for p in ctx.bag_report.errors
        if p.code not in OTHER_ITEMS and p.code not in {"BAGINFO_LINE_MALFORMED", "OXUM_MALFORMED", "OXUM_CONFLICT"}
    ]
    version = ctx.bag_report.version
    notes: list[Evidence] = []
    if version and version != BAGIT_VERSION:
        # bagit-python, the Library of Congress tool, still writes 0.97: its bags are valid BagIt and are accepted,
        # with a note asking for 1.0 next time (docs/development/bagit.md).
        notes.append(
            Evidence(
                f"提示：BagIt 版本为 {version}，可以接收；本馆规范建议使用 {BAGIT_VERSION}",
                file="bagit.txt",
                field="BagIt-Version",
                value=version,
            )
        )
    outcome = Outcome.judge(found, f"BagIt {version} 结构规范", "{count} 处结构不规范")
    if notes and outcome.result == PASS:
        return Outcome(PASS, f"BagIt {version} 结构规范（提示：建议使用 BagIt {BAGIT_VERSION}）", notes)
    outcome.evidence += notes
    return outcome


@register_check("YJ-1-14", "信息包一致性", AUTH, "清单与信息包内的文件一一对应")
def consistency(ctx: CheckContext) -> Outcome:
    return Outcome.judge(bag_evidence(ctx, CONSISTENCY_CODES), "清单与文件一一对应", "{count} 处清单与文件不一致")


# ---------------------------------------------------------------------------------------- 2 完整性 integrity


def _declared(ctx: CheckContext, what: str) -> tuple[int | None, str]:
    """The declared item count or byte total: the registration, else bag-info."""
    given = ctx.input.declared_items if what == "items" else ctx.input.declared_bytes
    if given is not None:
        return given, "移交登记"
    if what == "items":
        value = ctx.info(INFO_ITEMS)
        if value.isdigit():
            return int(value), f"bag-info.txt {INFO_ITEMS}"
    return None, ""


@register_check("YJ-2-1", "总件数相符", INTEG, "实际件数、文件数与移交声明（登记、Item-Count、Payload-Oxum）相符")
def item_count(ctx: CheckContext) -> Outcome:
    found: list[Evidence] = []
    facts: list[str] = []
    report = ctx.bag_report
    if report.declared_oxum is not None:
        declared_files = report.declared_oxum[1]
        facts.append(f"文件 {report.payload_files} 个")
        if declared_files != report.payload_files:
            found.append(
                Evidence(
                    f"声明 {declared_files} 个文件，实际 {report.payload_files} 个",
                    file="bag-info.txt",
                    field="Payload-Oxum",
                )
            )
    declared, source = _declared(ctx, "items")
    if declared is not None:
        if ctx.plan is None:
            return no_catalog(ctx)  # type: ignore[return-value]
        actual = sum(1 for row in rows(ctx) if is_item(row))
        facts.append(f"件数 {actual}")
        if declared != actual:
            found.append(
                Evidence(f"声明 {declared} 件，目录实有 {actual} 件", file=source, field="件数", value=str(declared))
            )
    if not facts:
        return Outcome(FAIL, "移交未声明件数或文件数（登记的件数、bag-info 的 Item-Count 或 Payload-Oxum）")
    return Outcome.judge(found, "与声明相符：" + "，".join(facts), "{count} 处与声明不符")


@register_check("YJ-2-2", "总字节数相符", INTEG, "实际字节数与移交声明（登记、Payload-Oxum）相符")
def byte_count(ctx: CheckContext) -> Outcome:
    found: list[Evidence] = []
    report = ctx.bag_report
    declared_any = False
    if report.declared_oxum is not None:
        declared_any = True
        if report.declared_oxum[0] != report.payload_bytes:
            found.append(
                Evidence(
                    f"声明 {report.declared_oxum[0]} 字节，实际 {report.payload_bytes} 字节",
                    file="bag-info.txt",
                    field="Payload-Oxum",
                )
            )
    declared, source = _declared(ctx, "bytes")
    if declared is not None:
        declared_any = True
        if declared != report.payload_bytes:
            found.append(
                Evidence(
                    f"声明 {declared} 字节，实际 {report.payload_bytes} 字节",
                    file=source,
                    field="字节数",
                    value=str(declared),
                )
            )
    if not declared_any:
        return Outcome(FAIL, "移交未声明总字节数（登记的字节数或 Payload-Oxum）")
    return Outcome.judge(found, f"与声明相符：{report.payload_bytes} 字节", "{count} 处与声明不符")


@register_check("YJ-2-3", "元数据项完整性", INTEG, "目录含本馆接收规范要求的著录项（列）")
def metadata_elements(ctx: CheckContext) -> Outcome:
    table = ctx.catalog.table
    if table is None:
        return Outcome(NOT_PERFORMED, "目录文件缺失或无法读取，未能检测（见 YJ-1-12、YJ-3-1）")
    header = table.header
    source = ctx.catalog.paths[0] if ctx.catalog.paths else ""
    found = []
    for key in _required_fields():
        if key in header or (key in ("year", "retention") and "reference_code" in header):
            continue
        found.append(
            Evidence(f"缺少著录项“{FIELD_LABELS.get(key, key)}”", file=source, field=FIELD_LABELS.get(key, key))
        )
    if not ctx.catalog.files_header:
        found.append(Evidence(f"缺少著录项“{FILES_HEADERS[0]}”", file=source, field=FILES_HEADERS[0]))
    if "reference_code" not in header and not ("year" in header and "retention" in header):
        found.append(Evidence("既无档号，也无生成档号所需的年度与保管期限", file=source, field="档号"))
    return Outcome.judge(found, "著录项齐全", "缺少 {count} 个著录项")


def _required_fields() -> tuple[str, ...]:
    return tuple(getattr(settings, "ACCESSION_REQUIRED_FIELDS", None) or DEFAULT_REQUIRED)


@register_check("YJ-2-4", "必填著录项目", INTEG, "每条著录的必填项（题名、责任者、日期、保管期限等，可配置）都有值")
def required_values(ctx: CheckContext) -> Outcome:
    missing = no_catalog(ctx)
    if missing:
        return missing
    found = row_evidence(ctx, "2-4")
    for row in rows(ctx):
        if row.bad or not is_item(row):
            continue
        for key in _required_fields():
            if key == "title":
                continue  # the catalog's own check (above)
            if row.values.get(key) in (None, ""):
                found.append(at_row(ctx, row, f"必填项“{FIELD_LABELS.get(key, key)}”为空", FIELD_LABELS.get(key, key)))
    return Outcome.judge(found, "必填著录项齐全", "{count} 处必填项为空")


@register_check("YJ-2-5", "过程信息完整性", INTEG, "说明文件记录了移交单位与封装日期")
def process_information(ctx: CheckContext) -> Outcome:
    found = [
        Evidence(f"bag-info.txt 缺少 {label}", file="bag-info.txt", field=label)
        for label in (INFO_SOURCE, INFO_BAGGING_DATE)
        if not ctx.info(label)
    ]
    return Outcome.judge(
        found, f"移交单位“{ctx.info(INFO_SOURCE)}”，封装日期 {ctx.info(INFO_BAGGING_DATE)}", "缺少 {count} 项过程信息"
    )


@register_check("YJ-2-6", "连续性元数据项", INTEG, "同一年度、保管期限、机构（问题）内件号连续，序号连续")
def continuity(ctx: CheckContext) -> Outcome:
    missing = no_catalog(ctx)
    if missing:
        return missing
    found: list[Evidence] = []
    groups: dict[tuple[object, ...], list[PlannedRow]] = defaultdict(list)
    for row in rows(ctx):
        values = row.values
        if is_item(row) and values["item_number"] is not None and not row.bad:
            groups[
                (
                    values["category_id"],
                    values["year"],
                    values["retention"],
                    values["organization"],
                    row.parent_index,
                    row.parent_id,
                )
            ].append(row)
    for members in groups.values():
        numbers = sorted(r.values["item_number"] for r in members)
        expected = set(range(numbers[0], numbers[-1] + 1))
        gaps = sorted(expected - set(numbers))
        if gaps:
            first = min(members, key=lambda r: r.values["item_number"])
            shown = "、".join(str(n) for n in gaps[:20]) + ("……" if len(gaps) > 20 else "")
            found.append(at_row(ctx, first, f"件号不连续，缺 {shown}", "件号", f"{numbers[0]}–{numbers[-1]}"))
    table = ctx.catalog.table
    if table is not None and "sequence" in table.header:
        sequence = [r for r in rows(ctx) if r.sequence]
        for previous, current in itertools.pairwise(sequence):
            if (
                previous.sequence.isdigit()
                and current.sequence.isdigit()
                and int(current.sequence) != int(previous.sequence) + 1
            ):
                found.append(
                    at_row(ctx, current, f"序号不连续（上一行为 {previous.sequence}）", "序号", current.sequence)
                )
    if not groups and not found:
        return Outcome(NA, "目录中没有件号或序号")
    return Outcome.judge(found, "件号、序号连续", "{count} 处不连续")


def _file_problems(ctx: CheckContext, attachments: bool) -> tuple[list[Evidence], int]:
    found: list[Evidence] = []
    checked = 0
    for row in rows(ctx):
        entries = listed(ctx, row.number)
        for written, path in entries[1:] if attachments else entries[:1]:
            if path is None:
                continue
            checked += 1
            facts = ctx.files.get(path)
            if facts is None:
                found.append(at_row(ctx, row, "著录的电子文件不在信息包中", ctx.catalog.files_header, written))
            elif facts.size == 0:
                found.append(Evidence("电子文件为空（0 字节）", file=path, row=row.number))
    return found, checked


@register_check("YJ-2-7", "内容数据完整性", INTEG, "每条著录的电子文件（主件）都在信息包中且不为空")
def content_complete(ctx: CheckContext) -> Outcome:
    missing = no_catalog(ctx)
    if missing:
        return missing
    found, checked = _file_problems(ctx, attachments=False)
    return Outcome.judge(found, f"{checked} 个主件齐全", "{count} 个主件缺失或为空")


@register_check("YJ-2-8", "附件数据完整性", INTEG, "每条著录的附件（第二个及以后的电子文件）都在信息包中且不为空")
def attachments_complete(ctx: CheckContext) -> Outcome:
    missing = no_catalog(ctx)
    if missing:
        return missing
    found, checked = _file_problems(ctx, attachments=True)
    if not checked:
        return Outcome(NA, "没有附件")
    return Outcome.judge(found, f"{checked} 个附件齐全", "{count} 个附件缺失或为空")


@register_check("YJ-2-11", "信息包内容数据完整性", INTEG, "清单列出的文件都在信息包中")
def package_complete(ctx: CheckContext) -> Outcome:
    found = bag_evidence(ctx, COMPLETENESS_CODES, warnings=True)
    return Outcome.judge(found, f"清单列出的 {ctx.bag_report.payload_files} 个文件齐全", "{count} 个文件缺失")


# ---------------------------------------------------------------------------------------- 3 可用性 usability


@register_check("YJ-3-1", "信息包中元数据可读性", USE, "目录文件与说明文件能被读取和解析")
def metadata_readable(ctx: CheckContext) -> Outcome:
    found = [Evidence(p.message, file=p.file) for p in ctx.catalog.problems if p.code == "3-1"]
    found += bag_evidence(ctx, {"TAG_FILE_DECODE", "BAGIT_TXT_NOT_UTF8"})
    if ctx.catalog.table is None and not found:
        return Outcome(NOT_PERFORMED, "没有目录文件（见 YJ-1-12）")
    count = len(ctx.catalog.table.rows) if ctx.catalog.table is not None else 0
    return Outcome.judge(found, f"目录可读，共 {count} 行", "{count} 个元数据文件无法读取")


@register_check("YJ-3-2", "目标数据库元数据可访问性", USE, "目标数据库可访问，目录可试写入（试导入）")
def database_access(ctx: CheckContext) -> Outcome:
    if ctx.plan_error:
        return Outcome(FAIL, "目标数据库未能应答", [Evidence(ctx.plan_error)])
    if ctx.plan is None:
        return no_catalog(ctx) or Outcome(NOT_PERFORMED, "未能试导入")
    new = sum(1 for row in ctx.plan.rows if row.existing_id is None)
    return Outcome(PASS, f"目标数据库可访问：全宗 {ctx.fonds_code} 可新建 {new} 条")


@register_check("YJ-3-3", "内容数据格式", USE, "按内容识别每个文件的格式，并对照长期保存格式清单（可配置）")
def content_formats(ctx: CheckContext) -> Outcome:
    found: list[Evidence] = []
    counts: dict[str, int] = defaultdict(int)
    for path in content_files(ctx):
        facts = ctx.files[path]
        if facts.found is None:
            found.append(Evidence(facts.error, file=path))
            continue
        decision = ctx.policy.check(facts.found.puid, facts.found.format_name)
        counts[facts.found.name_zh] += 1
        if not decision.accepted:
            found.append(Evidence(decision.message, file=path, field="格式", value=facts.found.puid or "未识别"))
    summary = "、".join(f"{name} {n} 个" for name, n in sorted(counts.items(), key=lambda kv: -kv[1])[:8])
    if not ctx.files:
        return Outcome(NA, "信息包中没有内容文件")
    return Outcome.judge(found, f"格式均可长期保存：{summary}", "{count} 个文件的格式不在长期保存格式清单中")


@register_check("YJ-3-4", "内容数据可读性", USE, "每个图像能解码，每个 PDF、OFD 能打开，文本能解码")
def content_readable(ctx: CheckContext) -> Outcome:
    found: list[Evidence] = []
    read = unjudged = 0
    for path in content_files(ctx):
        facts = ctx.files[path]
        result = facts.readability
        if facts.error:
            found.append(Evidence(facts.error, file=path))
        elif result is None or result.readable is None:
            unjudged += 1
        elif result.readable:
            read += 1
        else:
            found.append(Evidence(result.message, file=path, field=result.reader))
    if not ctx.files:
        return Outcome(NA, "信息包中没有内容文件")
    note = f"；{unjudged} 个文件的格式无读取器，未判定（见 YJ-3-3）" if unjudged else ""
    return Outcome.judge(found, f"{read} 个文件已打开或解码{note}", "{count} 个文件无法打开或解码")


register_manual_check("YJ-3-6", "软硬件环境合规性", USE, "移交与接收所用的软硬件环境符合要求（人工确认并签署）")


@register_check("YJ-3-8", "信息包内容数据格式合规性", USE, "文件扩展名与内容一致，文件结构完整，未加密")
def format_compliance(ctx: CheckContext) -> Outcome:
    found: list[Evidence] = []
    for path in content_files(ctx):
        facts = ctx.files[path]
        if facts.found is not None and facts.found.puid and facts.found.warning:
            found.append(Evidence(facts.found.warning, file=path, field="格式", value=facts.found.puid))
        if facts.readability is not None and "加密" in facts.readability.message:
            found.append(Evidence(facts.readability.message, file=path))
    if not ctx.files:
        return Outcome(NA, "信息包中没有内容文件")
    return Outcome.judge(found, "文件扩展名与内容一致，结构完整", "{count} 处格式不合规")


# ------------------------------------------------------------------------------------------ 4 安全性 security


@register_check("YJ-4-1", "杀毒软件", SEC, "安装了杀毒软件（ClamAV）且病毒库可用")
def antivirus(ctx: CheckContext) -> Outcome:
    scan = ctx.scan
    engine = scanner_name(scan.scanner)
    if not scan.scanner or (not scan.signature_files and not scan.performed):
        return Outcome(NOT_PERFORMED, f"未检测：{scan.reason}", [Evidence(scan.reason, field="病毒库")])
    evidence = [Evidence(scan.version or engine, field="引擎", value=engine)]
    if scan.signature_files:
        evidence.append(Evidence("病毒库：" + "、".join(scan.signature_files[:10]), field="病毒库"))
    databases = f"，病毒库 {len(scan.signature_files)} 个文件" if scan.signature_files else ""
    return Outcome(PASS, f"{scan.version or engine}{databases}", evidence)


def scanner_name(scanner: str) -> str:
    """The scanner's program name, not where it is installed on the server."""
    return scanner.replace("\\", "/").rsplit("/", 1)[-1]


@register_check("YJ-4-2", "病毒感染", SEC, "用 ClamAV 扫描信息包的每个文件")
def virus(ctx: CheckContext) -> Outcome:
    scan = ctx.scan
    if not scan.performed:
        return Outcome(NOT_PERFORMED, f"未检测：{scan.reason}；接收须明确确认并记入审计日志")
    base = str(ctx.bag.resolve()) + "/"
    found = [
        Evidence(f"发现病毒：{signature}", file=path.removeprefix(base), value=signature)
        for path, signature in sorted(scan.infected.items())
    ]
    # ClamAV's own words for a file it could not scan stay in the server log (see clamav.py).
    found += [Evidence("ClamAV 未能扫描该文件", file=path.removeprefix(base)) for path in sorted(scan.errors)]
    found += [Evidence("文件名含换行符，未能扫描", file=path.removeprefix(base)) for path in scan.skipped]
    return Outcome.judge(
        found, f"扫描 {scan.scanned} 个文件，未发现病毒（{scan.seconds:.1f} 秒）", "{count} 个文件感染病毒或未能扫描"
    )


@register_check("YJ-4-3", "载体多余文件", SEC, "信息包中没有隐藏文件、系统文件、空目录或规范以外的文件")
def extra_files(ctx: CheckContext) -> Outcome:
    found = bag_evidence(ctx, EXTRA_FILE_CODES, warnings=True)
    try:
        top = sorted(p.name for p in ctx.bag.iterdir())
    except OSError:
        top = []
    for name in top:
        if name != "data" and not TAG_FILES.match(name):
            found.append(Evidence("信息包顶层有规范以外的文件", file=name))
    return Outcome.judge(found, "没有多余文件", "{count} 个多余文件")


@register_check("YJ-4-4", "读取速度", SEC, "读取信息包的速度不低于规定值（DANGAN_ACCESSION_MIN_READ_MBPS）")
def read_speed(ctx: CheckContext) -> Outcome:
    report = ctx.bag_report
    seconds = ctx.seconds.get("bagit") or report.seconds
    if not report.payload_bytes or not seconds:
        return Outcome(NA, "没有可读取的内容")
    speed = report.payload_bytes / seconds / (1 << 20)
    minimum = float(getattr(settings, "ACCESSION_MIN_READ_MBPS", 1.0))
    evidence = [
        Evidence(
            f"读取并校验 {report.payload_bytes / (1 << 20):.1f} MB 用时 {seconds:.1f} 秒", value=f"{speed:.1f} MB/s"
        )
    ]
    if report.payload_bytes < SPEED_MIN_BYTES:
        return Outcome(PASS, f"信息包较小（{report.payload_bytes} 字节），读取速度 {speed:.1f} MB/s 仅供参考", evidence)
    if speed < minimum:
        return Outcome(FAIL, f"读取速度 {speed:.1f} MB/s，低于规定的 {minimum:g} MB/s", evidence)
    return Outcome(PASS, f"读取速度 {speed:.1f} MB/s（规定不低于 {minimum:g} MB/s）", evidence)


register_manual_check("YJ-4-5", "载体外观", SEC, "存储载体无划痕、霉斑、变形，标签清楚（人工检查并签署）")
register_manual_check(
    "YJ-4-7", "操作过程安全性", SEC, "移交与接收过程在安全的环境中进行，载体交接有记录（人工确认并签署）"
)
