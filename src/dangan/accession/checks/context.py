"""The facts a four-property check judges, gathered once per package: the BagIt validation (every digest), the
catalog read by the SIP profile and checked row by row by the catalog import's own checks, each content file's
format and readability, and the virus scan (a child process running beside the rest)."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from dangan.accession.bagit import BagReport, validate_bag
from dangan.accession.bagit.tagfiles import MANIFEST_NAME
from dangan.accession.choices import TransferStatus
from dangan.accession.clamav import Scan, ScanResult
from dangan.accession.profile import INFO_FONDS, SipCatalog, read_catalog
from dangan.catalog.actions.bulk import ImportPlan, plan_rows
from dangan.catalog.models import Fonds
from dangan.catalog.tabular import code_text
from dangan.preservation.formats import PRESERVATION_GROUPS, FormatIdentification, FormatPolicy, default_identifier
from dangan.utilities.parallel import default_workers
from dangan.utilities.progress import PhaseProgress as Progress

from .readability import Readability, check_readable, read_error

logger = logging.getLogger(__name__)


@dataclass
class FileFacts:
    path: str  # relative to the bag, "data/…"
    size: int
    found: FormatIdentification | None = None
    readability: Readability | None = None
    error: str = ""


@dataclass
class CheckInput:
    bag: Path
    fonds: Fonds | None = None
    fonds_code: str = ""  # as asked for, when no such fonds exists
    declared_items: int | None = None
    declared_bytes: int | None = None
    transfer_id: int | None = None


@dataclass
class CheckContext:
    input: CheckInput
    bag_report: BagReport
    catalog: SipCatalog
    fonds: Fonds | None
    fonds_code: str
    plan: ImportPlan | None
    plan_error: str
    files: dict[str, FileFacts]  # content files (payload less the catalog's metadata files)
    scan: ScanResult
    bag_digest: str
    duplicates: list[Any] = field(default_factory=list)  # accepted transfers of the same bag
    seconds: dict[str, float] = field(default_factory=dict)
    policy: FormatPolicy = field(default_factory=FormatPolicy.default)

    @property
    def bag(self) -> Path:
        return self.input.bag

    def info(self, label: str) -> str:
        values = self.bag_report.info_values(label)
        return values[0].strip() if values else ""


def format_policy() -> FormatPolicy:
    """The formats accepted for transfer (DANGAN_ACCESSION_FORMATS: group names and/or PUIDs), by default the
    preservation policy's list."""
    configured = getattr(settings, "ACCESSION_FORMATS", None)
    if not configured:
        return FormatPolicy.default()
    ids: set[str] = set()
    for entry in configured:
        ids.update(
            PRESERVATION_GROUPS[entry][1] if entry in PRESERVATION_GROUPS else FormatPolicy.from_ids([entry]).accepted
        )
    return FormatPolicy(frozenset(ids))


def bag_digest(bag: Path) -> str:
    """sha256 over the payload manifests' sorted lines: the same content bagged the same way is the same bag."""
    digest = hashlib.sha256()
    found = False
    for name in sorted(os.listdir(bag)) if bag.is_dir() else []:
        match = MANIFEST_NAME.match(name)
        if not match or match.group(1):
            continue
        try:
            lines = (bag / name).read_bytes().decode("utf-8", "replace").splitlines()
        except OSError:
            continue
        found = True
        digest.update(name.encode() + b"\n")
        for line in sorted(re.sub(r"\s+", " ", line.strip()) for line in lines if line.strip()):
            digest.update(line.encode() + b"\n")
    return digest.hexdigest() if found else ""


def _payload_files(bag: Path) -> list[Path]:
    found: list[Path] = []
    data = bag / "data"
    if not data.is_dir():
        return found
    for folder, _dirs, files in os.walk(data):
        for name in files:
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return found


def _resolve_fonds(given: CheckInput, bag_report: BagReport, catalog: SipCatalog) -> tuple[Fonds | None, str]:
    if given.fonds is not None:
        return given.fonds, given.fonds.code
    code = given.fonds_code
    if not code:
        values = bag_report.info_values(INFO_FONDS)
        code = code_text(values[0]) if values else ""
    if not code and catalog.table is not None:
        table = catalog.table
        column = table.header.columns.get("fonds_code")
        ref = table.header.columns.get("reference_code")
        for cells in table.rows:
            if column is not None and column < len(cells) and cells[column] not in (None, ""):
                code = code_text(cells[column])
                break
            if ref is not None and ref < len(cells) and cells[ref] not in (None, ""):
                code = code_text(cells[ref]).split("-", 1)[0]
                break
    fonds = Fonds.objects.filter(code__iexact=code).first() if code else None
    return fonds, (fonds.code if fonds else code)


def gather(given: CheckInput, progress: Progress | None = None, *, workers: int | None = None) -> CheckContext:
    """Read everything the check items need from the bag at ``given.bag`` (which must be a folder)."""
    from dangan.accession.models import Transfer

    bag = given.bag
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    scan = Scan(_payload_files(bag))  # runs beside the rest

    def bag_progress(files: int, total_files: int, done: int, total: int) -> None:
        if progress:
            progress("校验 BagIt 摘要", done, total)

    report = validate_bag(bag, progress=bag_progress, workers=workers)
    seconds["bagit"] = time.perf_counter() - started
    digest = bag_digest(bag)

    mark = time.perf_counter()
    catalog = read_catalog(bag)
    fonds, fonds_code = _resolve_fonds(given, report, catalog)
    plan, plan_error = None, ""
    if catalog.table is not None and fonds is not None:
        try:
            plan = plan_rows(fonds, catalog.table, visible=None)
        except Exception:  # the target database must answer (DA/T 70 3-2): the report says so, the log says why
            logger.exception("the catalog could not check the rows of %s", bag)
            plan_error = "目录试导入时数据库出错，详见服务器日志"
    seconds["catalog"] = time.perf_counter() - mark

    mark = time.perf_counter()
    metadata = catalog.metadata_paths
    sizes = {p: s for p, s in _disk_sizes(bag).items() if p not in metadata}
    files = _content_facts(bag, sizes, progress, workers)
    seconds["content"] = time.perf_counter() - mark

    mark = time.perf_counter()
    if progress:
        progress("病毒扫描", 0, 1)
    result = scan.result()
    seconds["virus_wait"] = time.perf_counter() - mark
    seconds["virus"] = result.seconds
    duplicates = []
    if digest:
        earlier = Transfer.objects.filter(
            bag_digest=digest, status__in=(TransferStatus.ACCEPTED, TransferStatus.ACCEPTING)
        )
        if given.transfer_id is not None:
            earlier = earlier.exclude(pk=given.transfer_id)
        duplicates = list(earlier.order_by("created"))
    return CheckContext(
        input=given,
        bag_report=report,
        catalog=catalog,
        fonds=fonds,
        fonds_code=fonds_code,
        plan=plan,
        plan_error=plan_error,
        files=files,
        scan=result,
        bag_digest=digest,
        duplicates=duplicates,
        seconds=seconds,
        policy=format_policy(),
    )


def _disk_sizes(bag: Path) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for path in _payload_files(bag):
        rel = path.relative_to(bag).as_posix()
        try:
            sizes[rel] = path.stat().st_size
        except OSError:
            sizes[rel] = 0
    return sizes


def _content_facts(
    bag: Path, sizes: dict[str, int], progress: Progress | None, workers: int | None
) -> dict[str, FileFacts]:
    identifier = default_identifier()
    total = sum(sizes.values())

    def examine(rel: str) -> FileFacts:
        facts = FileFacts(rel, sizes[rel])
        path = bag / rel
        try:
            facts.found = identifier.identify(path)
            facts.readability = check_readable(path, facts.found)
        except OSError as exc:
            facts.error = read_error(exc)
        return facts

    results: dict[str, FileFacts] = {}
    done = 0
    ordered = sorted(sizes)
    with ThreadPoolExecutor(max_workers=max(1, workers or default_workers())) as pool:
        for facts in pool.map(examine, ordered):
            results[facts.path] = facts
            done += facts.size
            if progress:
                progress("格式识别与可读性", done, total)
    return results
