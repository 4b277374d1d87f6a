"""The sample data the sweep requests pages about, built through the apps' own actions and only as far as a sweep
needs it (``world["@package.public"]`` builds the catalog, then preserves a file): units at every 密级 (one public
unit under a 秘密 parent), an authority and its link, a dry-run import still queued and one that passed, an API
token, a dictionary word, a preserved package per visible and hidden unit, a finished fixity audit that found a
problem in the hidden package, disposal requests (open, of a 公开 and of a 秘密 unit; and a 秘密 unit disposed of, with
its package), a checked transfer with its report, an upload, a sign-in lock, an account whose clearance awaits the
security administrator's confirmation, and one account per role."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AnonymousUser

from dangan.catalog.choices import UnitLevel
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from tests.helpers import account

from .registry import ACCOUNTS, ANONYMOUS

# Distinctive titles: none is part of another, so finding one in a page means that unit was shown.
TITLES = {
    "series": "巡检甲案卷公开",
    "public": "巡检乙文件公开",
    "internal": "巡检丙文件内部",
    "secret_series": "巡检丁案卷秘密",
    "under_secret": "巡检戊文件公开在秘密案卷下",
    "secret": "巡检己文件秘密",
    "confidential": "巡检庚文件机密",
    "top_secret": "巡检辛文件绝密",
    # Units the disposal requests of the world are about (see World._disposals).
    "dispose_public": "巡检壬文件公开申请销毁",
    "dispose_secret": "巡检癸文件秘密申请销毁",
    "disposed": "巡检子文件秘密已销毁",
}
CLASSIFICATION = {
    "series": SecurityClassification.PUBLIC,
    "public": SecurityClassification.PUBLIC,
    "internal": SecurityClassification.INTERNAL,
    "secret_series": SecurityClassification.SECRET,
    "under_secret": SecurityClassification.PUBLIC,
    "secret": SecurityClassification.SECRET,
    "confidential": SecurityClassification.CONFIDENTIAL,
    "top_secret": SecurityClassification.TOP_SECRET,
    "dispose_public": SecurityClassification.PUBLIC,
    "dispose_secret": SecurityClassification.SECRET,
    "disposed": SecurityClassification.SECRET,
}
CSV = (
    "档号,文号,责任者,题名,日期,密级,页数,备注\n"
    "Z109-WS·2016-Y-BGS-0001,黔扶办发〔2016〕12号,贵州省扶贫开发办公室,关于巡检导入的通知,20160301,公开,4,\n"
).encode()
# Another file: the dry run that passed (World._import), and uploads that are not the queued one's file.
CHECKED_CSV = (
    "档号,文号,责任者,题名,日期,密级,页数,备注\n"
    "Z109-WS·2016-Y-BGS-0002,黔扶办发〔2016〕13号,贵州省扶贫开发办公室,关于巡检正式导入的通知,20160302,公开,2,\n"
).encode()
# The password the account awaiting its clearance set for itself (the password policy's rules met).
OWN_PASSWORD = "Guizhou-Sweep-2024"


# Builders that other apps' sweep declarations add (``register_builder``): prefix → function of the world.
EXTRA_BUILDERS: dict[str, Callable[[World], None]] = {}


def register_builder(prefix: str, builder: Callable[[World], None]) -> None:
    """Let ``world["@<prefix>.…"]`` be built by ``builder(world)`` (which fills ``world.objects``): for an app's
    sample data declared beside its sweep declarations (tests/<app>/sweep*.py), not in this file."""
    EXTRA_BUILDERS[prefix] = builder


class World:
    """Lazily built sample data: ``world["@unit.secret"]`` is that unit's UUID (as a string), built on first use."""

    def __init__(self, tmp_path: Path, settings: Any) -> None:
        self.tmp_path = tmp_path
        self.settings = settings
        self.objects: dict[str, Any] = {}
        self.generation = 0  # how many times the world was built on: what the policy hides may have changed
        self._builders: dict[str, Callable[[], None]] = {
            "fonds": self._catalog,
            "unit": self._catalog,
            "authority": self._authority,
            "link": self._authority,
            "import": self._import,
            "user": self._accounts,
            "token": self._accounts,
            "term": self._term,
            "package": self._packages,
            "image": self._images,
            "audit": self._audit,
            "disposal": self._disposals,
            "transfer": self._accession,
            "report": self._accession,
            "upload": self._upload,
            "lock": self._signin_lock,
            "digitized": self._digitized,
            "ocrtext": self._ocr_text,
            "batch": self._digitization,
        }

    # ------------------------------------------------------------------ lookups

    def __getitem__(self, key: str) -> Any:
        """The URL value for ``@name`` (a UUID, a primary key, a code, a path)."""
        name = key.removeprefix("@")
        if name not in self.objects:
            prefix = name.split(".")[0]
            if prefix in self._builders:
                self._builders[prefix]()
            else:
                EXTRA_BUILDERS[prefix](self)
            self.generation += 1
        value = self.objects[name]
        return str(value.uuid) if hasattr(value, "uuid") else value

    def user(self, role: str) -> Any:
        if role == ANONYMOUS:
            return AnonymousUser()
        return account(*ACCOUNTS[role], username=f"sweep-{role.replace('_', '-')}")

    # ------------------------------------------------------------------ builders

    def _catalog(self) -> None:
        if "fonds" in self.objects:
            return
        from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
        from dangan.catalog.actions.units import do_create_unit
        from dangan.catalog.models import RecordCategory
        from dangan.core.actions.institution import do_ensure_institution

        do_ensure_institution(CONSOLE, "GZSDAG", "贵州省档案馆")
        do_ensure_default_categories(CONSOLE)
        category = RecordCategory.objects.get(code="WS")
        fonds = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室", creator="贵州省扶贫开发办公室")
        self.objects["fonds"] = fonds.code
        item = {"category": category, "year": 2011, "retention": "Y", "organization": "BGS", "page_count": 2}
        units: dict[str, Any] = {}
        for name, title in TITLES.items():
            series = name.endswith("series")
            parent = {"public": "series", "under_secret": "secret_series"}.get(name)
            data: dict[str, Any] = {"title": title, "classification": CLASSIFICATION[name]}
            data.update({"level": UnitLevel.SERIES, "year": 2011} if series else {**item, "responsible": "省扶贫办"})
            units[name] = do_create_unit(CONSOLE, fonds, data, parent=units[parent] if parent else None)
            self.objects[f"unit.{name}"] = units[name]

    def _authority(self) -> None:
        from dangan.catalog.actions.authorities import do_create_authority, do_link_authority
        from dangan.catalog.models import ArchivalUnit

        self._catalog()
        authority = do_create_authority(CONSOLE, {"kind": "event", "name": "脱贫攻坚"})
        self.objects["authority"] = authority
        unit = ArchivalUnit.objects.get(uuid=self["@unit.public"])
        self.objects["link.public"] = do_link_authority(CONSOLE, unit, authority, "subject").pk

    def _import(self) -> None:
        from dangan.catalog.actions.importing import do_start_import, run_import_batch
        from dangan.catalog.models import Fonds, ImportBatch

        self._catalog()
        fonds = Fonds.objects.get(code=self.objects["fonds"])
        uploader = self.user("archivist_top")
        # Queued (its task never runs here): a second import of the same file is refused while it waits.
        self.objects["import"] = do_start_import(uploader, fonds, "目录.csv", io.BytesIO(CSV), dry_run=True)
        # Run to its end as the worker would: a passed dry run, whose file its uploader may import (正式导入).
        checked = do_start_import(uploader, fonds, "正式目录.csv", io.BytesIO(CHECKED_CSV), dry_run=True)
        run_import_batch(checked.pk)
        checked.refresh_from_db()
        assert checked.status == ImportBatch.Status.CHECKED, (checked.status, checked.message)
        self.objects["import.checked"] = checked

    def _accounts(self) -> None:
        from dangan.core.actions.accounts import do_change_own_password, do_create_api_token, do_reset_password

        target = account(Role.ARCHIVIST, SecurityClassification.PUBLIC, username="sweep-target")
        self.objects["user"] = target.pk
        token, _ = do_create_api_token(self.user("archivist_secret"), "巡检")
        self.objects["token"] = token.pk
        # A password reset suspended this account's 秘密 clearance; it has set its own password since, so the
        # security administrator may give the clearance back.
        awaiting = account(Role.ARCHIVIST, SecurityClassification.SECRET, username="sweep-awaiting")
        do_reset_password(CONSOLE, awaiting)
        do_change_own_password(awaiting, OWN_PASSWORD)
        awaiting.refresh_from_db()
        assert awaiting.clearance_to_confirm == SecurityClassification.SECRET
        self.objects["user.awaiting"] = awaiting.pk

    def _term(self) -> None:
        from dangan.search.actions.dictionary import do_add_terms

        self.objects["term"] = do_add_terms(self.user("archivist_top"), "巡检词语")[0].pk

    def _storage(self) -> None:
        from dangan.preservation.store import storage_root

        self.settings.STORAGE_ROOT = self.tmp_path / "storage"
        self.settings.STORAGE_DURABLE = False
        storage_root()

    def _packages(self) -> None:
        from dangan.catalog.models import ArchivalUnit
        from dangan.preservation.actions.preserving import do_preserve

        if "package.public" in self.objects:
            return
        self._catalog()
        self._storage()
        for name in ("public", "secret"):
            source = self.tmp_path / f"source-{name}" / "正文.txt"
            source.parent.mkdir(parents=True, exist_ok=True)
            source.write_text(f"{TITLES[name]}的正文\n", encoding="utf-8")
            unit = ArchivalUnit.objects.get(uuid=self[f"@unit.{name}"])
            result = do_preserve(CONSOLE, unit, {"content/正文.txt": source})
            self.objects[f"package.{name}"] = result.package
        self.objects["package.path"] = "content/正文.txt"

    def _digitized(self) -> None:
        """The visible and the hidden unit with two scanned pages each, preserved as their masters."""
        from dangan.catalog.models import ArchivalUnit
        from tests.digitization.iiif.pages import draw_pages, preserve_masters

        if "digitized.public" in self.objects:
            return
        self._catalog()
        self._storage()
        self.settings.DERIVATIVES_ROOT = self.tmp_path / "derivatives"
        for name in ("public", "secret"):
            unit = ArchivalUnit.objects.get(uuid=self[f"@unit.{name}"])
            preserve_masters(unit, draw_pages(self.tmp_path / f"scans-{name}", [(120, 160), (120, 160)]))
            self.objects[f"digitized.{name}"] = unit

    def _ocr_text(self) -> None:
        """Page 1 of each digitized unit with its OCR text stored (written here, not recognized: the sweep needs the
        rows, not the engine); ``ocrtext.line`` is the id of its one line."""
        from dangan.digitization.models import PageText
        from dangan.digitization.ocr import Box, Glyph, PageResult, TextLine, parse_alto, to_alto

        if "ocrtext.public" in self.objects:
            return
        self._digitized()
        box = Box(10, 10, 100, 20)
        line = TextLine("line-1", "巡检文字", box, [Glyph(c, box, 1.0) for c in "巡检文字"], False, 1.0)
        alto = to_alto(PageResult(120, 160, [line], False, "sweep"), image_name="0001.png").decode()
        for name in ("public", "secret"):
            unit = self.objects[f"digitized.{name}"]
            PageText.objects.create(
                unit=unit,
                page=1,
                master_path="content/masters/0001.png",
                master_sha256="0" * 64,
                text="巡检文字",
                alto=alto,
                engine="sweep",
            )
            self.objects[f"ocrtext.{name}"] = unit
        self.objects["ocrtext.line"] = parse_alto(alto.encode()).lines[0].id

    def _images(self) -> None:
        """A preserved page image (a small JPEG) in a 公开 and in a 秘密 unit; ``image.<name>`` is its IIIF image id.
        No derivatives: the Image API serves it from the master."""
        from PIL import Image

        from dangan.catalog.models import ArchivalUnit
        from dangan.preservation.actions.preserving import do_preserve
        from dangan.preservation.iiif import image_id

        if "image.public" in self.objects:
            return
        self._catalog()
        self._storage()
        self.settings.DERIVATIVES_ROOT = self.tmp_path / "derivatives"
        for name, colour in (("public", (200, 40, 40)), ("secret", (40, 40, 200))):
            source = self.tmp_path / f"image-{name}" / "0001.jpg"
            source.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (640, 480), colour).save(source, "JPEG")
            unit = ArchivalUnit.objects.get(uuid=self[f"@unit.{name}"])
            package = do_preserve(CONSOLE, unit, {"content/masters/0001.jpg": source}).package
            self.objects[f"image.{name}"] = image_id(package.files.get(logical_path="content/masters/0001.jpg"))

    def _audit(self) -> None:
        """A finished audit (a queued one would refuse every other start) that found a file in the hidden unit's
        package that its inventory does not list: its failure is for the cleared eyes only."""
        from dangan.preservation.actions.auditing import do_audit
        from dangan.preservation.store import storage_root

        self._packages()
        package = self.objects["package.secret"]
        row = package.files.get(logical_path=self.objects["package.path"], version__number=1)
        content = Path(storage_root().backend.describe()) / package.object_path / row.content_path
        extra = content.with_name("多出的文件.txt")
        extra.write_text("不在清单中\n", encoding="utf-8")
        try:
            self.objects["audit"] = do_audit(CONSOLE)
        finally:
            extra.unlink()

    def _disposals(self) -> None:
        """Disposal requests by the archivist cleared 绝密 (so that they may withdraw them, and may not approve
        them): open ones of a 公开 and of a 秘密 unit, and one of a preserved 秘密 unit that a second archivist
        approved (disposed of: out of the holdings, in the register, its package kept)."""
        from dangan.catalog.actions.disposals import do_approve_disposal, do_request_disposal
        from dangan.catalog.models import ArchivalUnit
        from dangan.preservation.actions.preserving import do_preserve

        self._packages()
        requester = self.user("archivist_top")
        units = {name: ArchivalUnit.objects.get(uuid=self[f"@unit.{name}"]) for name in TITLES if "dispos" in name}
        source = self.tmp_path / "source-disposed" / "正文.txt"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(f"{TITLES['disposed']}的正文\n", encoding="utf-8")
        package = do_preserve(CONSOLE, units["disposed"], {self.objects["package.path"]: source}).package
        for name in ("public", "secret"):
            self.objects[f"disposal.{name}"] = do_request_disposal(requester, units[f"dispose_{name}"], "保管期限已满")
        disposal = do_request_disposal(requester, units["disposed"], "保管期限已满，经鉴定无继续保存价值")
        self.objects["disposal.approved"] = do_approve_disposal(self.user("archivist_secret"), disposal, "同意")
        self.objects["disposal.package"] = package

    def _accession_settings(self) -> None:
        from dangan.accession.samples import write_eicar_signature

        self._storage()
        self.settings.ACCESSION_ROOT = self.tmp_path / "accession"
        self.settings.CLAMAV_DB = self.tmp_path / "clamav"
        self.settings.ACCESSION_WORKERS = 1
        write_eicar_signature(self.settings.CLAMAV_DB)

    def _accession(self) -> None:
        from dangan.accession.actions.checking import do_check
        from dangan.accession.actions.receiving import do_receive
        from dangan.accession.choices import CheckResult
        from dangan.accession.samples import default_items, make_sample_sip

        self._catalog()
        self._accession_settings()
        sip = make_sample_sip(self.tmp_path / "sip", default_items(1))
        transfer = do_receive(CONSOLE, sip)
        report = do_check(CONSOLE, transfer)
        self.objects["transfer"] = transfer
        self.objects["report"] = report
        manual = report.items.filter(result=CheckResult.MANUAL).order_by("position")
        self.objects["report.manual_item"] = manual.values_list("code", flat=True)[0]

    def _upload(self) -> None:
        from dangan.accession.actions.uploads import do_start_upload

        self._accession_settings()
        self.objects["upload"] = do_start_upload(self.user("archivist_top"), "移交.zip", 10)

    def _signin_lock(self) -> None:
        """A name locked after too many failed sign-ins, counted as the sign-in page counts them."""
        from dangan.core.actions.signin import begin_attempt, record_failure
        from dangan.core.models import SignInThrottle

        for _attempt in range(self.settings.SIGNIN_ACCOUNT_FAILURES):
            if begin_attempt("sweep-locked", "").allowed:
                record_failure("sweep-locked", "")
        lock = SignInThrottle.objects.get(key="sweep-locked")
        assert lock.locked_at is not None
        self.objects["lock"] = lock.pk

    def _digitization(self) -> None:
        """A digitization batch holding a 公开 and a 秘密 unit, two scanned pages each (rendered in the test), waiting
        for its sample inspection (every page sampled), and an upload of the batch by the 绝密 archivist."""
        from dangan.catalog.models import ArchivalUnit
        from dangan.digitization.actions.batches import do_create_batch
        from dangan.digitization.actions.importing import do_import_folder
        from dangan.digitization.actions.inspection import do_start_inspection
        from dangan.digitization.actions.uploads import do_start_folder_upload, do_start_upload
        from dangan.digitization.models import PageScan
        from tests.digitization.qc.pages import render_page, save

        self._catalog()
        self._storage()
        self.settings.DIGITIZATION_ROOT = self.tmp_path / "digitization"
        units = {name: ArchivalUnit.objects.get(uuid=self[f"@unit.{name}"]) for name in ("public", "secret")}
        scans = self.tmp_path / "scans"
        for seed, unit in enumerate(units.values()):
            for number in (1, 2):
                page = render_page(size=(480, 660), seed=10 * seed + number)
                save(page, scans / str(unit.reference_code) / f"{number:04d}.tif", compression="tiff_lzw")
        fonds = units["public"].fonds
        batch = do_create_batch(CONSOLE, "巡检数字化批次", fonds, colour_mode="grey", sample_percent=100)
        result = do_import_folder(CONSOLE, batch, scans)
        assert result.ok, result.problems
        inspection = do_start_inspection(CONSOLE, batch)
        self.objects["batch"] = batch
        self.objects["batch.inspection"] = inspection
        for name, unit in units.items():
            page = PageScan.objects.filter(batch=batch, batch_unit__unit=unit).order_by("number").first()
            assert page is not None
            self.objects[f"batch.page_{name}"] = page.pk
            self.objects[f"batch.item_{name}"] = inspection.items.get(page=page).pk
        self.objects["batch.upload"] = do_start_upload(self.user("archivist_top"), batch, "成果.zip", 10)
        self.objects["batch.folder_upload"] = do_start_folder_upload(self.user("archivist_top"), batch, "成果", 10)
