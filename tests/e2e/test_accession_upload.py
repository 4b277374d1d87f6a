"""The upload page of accession in a real browser: the page's script sends a SIP (.zip) in chunks (PUT with
Content-Range), resumes after a broken connection from the offset the server reports, follows a 409 to the server's
offset, fills in the declared bytes from the zip's directory, and the registered transfer shows in the register with
its status in Chinese. The transfer page follows a check and an acceptance run by the real database queue's worker
by itself (htmx polls its progress panel while a job is claimed).

Drives Debian's chromium through Playwright against pytest-django's live server (tests/e2e/browser.py; skipped when
chromium is missing, unless DANGAN_REQUIRE_BROWSER=1; screenshots in DANGAN_SCREENSHOT_DIR if set).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from dangan.accession.samples import default_items, make_sample_sip, write_eicar_signature
from tests.e2e.browser import Chromium

CHUNK = 8 * 1024  # the page's chunk size for these tests (settings.ACCESSION_UPLOAD_CHUNK): a ~32 KB SIP is 4 PUTs
UPLOAD_URL = re.compile(r".*/api/accession/uploads/[0-9a-f-]{36}$")
RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


@dataclass
class Traffic:
    """What the page sent to the upload API: each request and the status it got (None: the request failed)."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        def sent(request: Any) -> None:
            if "/api/accession/uploads" in request.url:
                self.calls.append({"request": request, "method": request.method, "status": None})

        def answered(response: Any) -> None:
            for call in self.calls:
                if call["request"] is response.request:
                    call["status"] = response.status

        page.on("request", sent)
        page.on("response", answered)

    def posts(self) -> int:
        return sum(1 for c in self.calls if c["method"] == "POST")

    def puts(self) -> list[tuple[int, int | None]]:
        """(start of the Content-Range, response status) of every PUT, in order."""
        found = []
        for call in self.calls:
            if call["method"] == "PUT":
                match = RANGE.fullmatch(call["request"].headers["content-range"])
                assert match is not None
                found.append((int(match.group(1)), call["status"]))
        return found

    def clear(self) -> None:
        self.calls.clear()


@pytest.fixture
def upload_env(settings: Any, tmp_path: Path, fonds: Any) -> None:
    """Storage, work area and a local ClamAV signature (as tests/accession/conftest.py's accession_env), and small
    chunks on the upload page."""
    from dangan.preservation.store import storage_root

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    settings.ACCESSION_ROOT = tmp_path / "accession"
    settings.CLAMAV_DB = tmp_path / "clamav"
    settings.ACCESSION_WORKERS = 1
    settings.ACCESSION_UPLOAD_CHUNK = CHUNK
    write_eicar_signature(settings.CLAMAV_DB)
    storage_root()


@pytest.fixture
def sip_zip(tmp_path: Path) -> Path:
    """A valid SIP of three items (PDF/A with a JPEG, OFD, TIFF), zipped as an agency would send it."""
    bag = make_sample_sip(tmp_path / "sip", default_items(3))
    path = tmp_path / "扶贫办2024年移交.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(bag.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(bag).as_posix())
    assert path.stat().st_size > 3 * CHUNK, "the package must take several chunks"
    return path


@pytest.fixture
def signed_in(chromium: Chromium, upload_env: None, archivist: Any) -> Iterator[Any]:
    """A chromium page (persistent profile, so localStorage survives a reload) signed in as the archivist, on the
    upload page."""
    from playwright.sync_api import expect

    with chromium.page(archivist, login_form=True) as page:
        expect(page.get_by_role("heading", level=1, name="全宗")).to_be_visible()
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="接收").click()
        page.get_by_role("link", name="上传信息包").click()
        expect(page.get_by_role("heading", level=1, name="上传信息包")).to_be_visible()
        yield page


def interrupt_after_first_chunk(page: Any, package: Path) -> None:
    """Choose the file; the connection breaks on the second chunk (the browser never sends it)."""
    from playwright.sync_api import expect

    puts = []

    def cut(route: Any) -> None:
        if route.request.method == "PUT":
            puts.append(route.request)
            if len(puts) > 1:
                route.abort("connectionreset")
                return
        route.continue_()

    page.route(UPLOAD_URL, cut)
    page.get_by_label("信息包（.zip）").set_input_files(str(package))
    expect(page.locator("#upload-status")).to_have_text("网络中断，请重新选择文件以续传")
    expect(page.get_by_role("button", name="登记并检测")).to_be_disabled()
    page.unroute(UPLOAD_URL, cut)


def uploaded(package: Path) -> Any:
    from dangan.accession.models import Upload

    upload = Upload.objects.get()
    assert upload.size == package.stat().st_size
    return upload


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_archivist_uploads_a_package_in_chunks_resumes_it_and_registers_it(
    signed_in: Any, sip_zip: Path, shots: Path
) -> None:
    from playwright.sync_api import expect

    page = signed_in
    size = sip_zip.stat().st_size
    traffic = Traffic()
    traffic.watch(page)

    interrupt_after_first_chunk(page, sip_zip)
    assert traffic.posts() == 1
    assert traffic.puts() == [(0, 200), (CHUNK, None)]
    assert uploaded(sip_zip).received == CHUNK
    expect(page.get_by_role("progressbar", name="上传进度")).to_have_attribute(
        "aria-valuenow", str(100 * CHUNK // size)
    )
    page.screenshot(path=str(shots / "upload-01-interrupted.png"), full_page=True)

    # Back on the page after the break: the same file goes on from the server's offset, not from the start.
    page.reload()
    traffic.clear()
    page.get_by_label("信息包（.zip）").set_input_files(str(sip_zip))
    expect(page.locator("#upload-status")).to_contain_text("100% · 上传完成")
    expect(page.get_by_role("progressbar", name="上传进度")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("#upload-bar")).to_have_attribute("style", "width: 100%;")
    assert traffic.posts() == 0, "a resumed upload must not start a new one"
    assert traffic.calls[0]["method"] == "GET"  # asks where the server stands
    assert traffic.puts() == [(start, 200) for start in range(CHUNK, size, CHUNK)]
    assert len(traffic.puts()) >= 3
    upload = uploaded(sip_zip)
    assert upload.status == "complete" and Path(upload.path).read_bytes() == sip_zip.read_bytes()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('dangan-upload:'))") == []
    page.screenshot(path=str(shots / "upload-02-complete.png"), full_page=True)

    # Register it: the check runs (immediate task backend) and the transfer page shows it.
    page.get_by_label("全宗", exact=True).select_option("Z109")
    page.get_by_role("button", name="登记并检测").click()
    expect(page.get_by_text("已登记，正在进行四性检测。")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("贵州省扶贫开发办公室 2024-移交-001")
    meta = page.locator(".page-header__meta .badge")
    expect(meta.nth(0)).to_have_text("检测中")
    expect(meta.nth(1)).to_have_text("通过")
    expect(page.get_by_role("heading", name="四性检测")).to_be_visible()
    page.screenshot(path=str(shots / "upload-03-transfer.png"), full_page=True)

    # The register lists it, in Chinese.
    page.get_by_role("navigation", name="位置").get_by_role("link", name="接收").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("接收 · 移交登记簿")
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator("td").nth(1)).to_have_text("贵州省扶贫开发办公室")
    expect(rows.locator("td").nth(2)).to_have_text("2024-移交-001")
    expect(rows.locator("td").nth(3)).to_have_text("Z109")
    expect(rows.locator(".badge").nth(0)).to_have_text("检测中")
    expect(rows.locator(".badge").nth(1)).to_have_text("通过")
    expect(rows.locator("td").nth(6)).to_have_text("3")
    page.screenshot(path=str(shots / "upload-04-register.png"), full_page=True)

    from dangan.accession.models import Transfer

    transfer = Transfer.objects.get()
    assert transfer.status == "checking" and transfer.verdict == "pass" and transfer.fonds.code == "Z109"
    assert uploaded(sip_zip).status == "used"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_follows_a_409_to_the_offset_the_server_has_reached(signed_in: Any, sip_zip: Path) -> None:
    """Another client (a second tab of the same person) sends the next chunk while the page still believes the
    server at the first one: the server answers 409 with its offset, and the page goes on from there."""
    from playwright.sync_api import expect

    page = signed_in
    data = sip_zip.read_bytes()
    size = len(data)
    interrupt_after_first_chunk(page, sip_zip)
    page.reload()
    csrf = page.locator("#transfer-form input[name=csrfmiddlewaretoken]").input_value()

    def stale_offset(route: Any) -> None:
        if route.request.method != "GET":
            route.continue_()
            return
        answer = route.fetch()  # the server's real answer: offset CHUNK
        assert answer.json()["offset"] == CHUNK
        other = page.context.request.put(
            route.request.url,
            data=data[CHUNK : 2 * CHUNK],
            headers={
                "X-CSRFToken": csrf,
                "Content-Type": "application/octet-stream",
                "Content-Range": f"bytes {CHUNK}-{2 * CHUNK - 1}/{size}",
            },
        )
        assert other.status == 200 and other.json()["offset"] == 2 * CHUNK, other.text()
        route.fulfill(response=answer)  # reaches the page after the other client moved on

    traffic = Traffic()
    traffic.watch(page)
    page.route(UPLOAD_URL, stale_offset)
    page.get_by_label("信息包（.zip）").set_input_files(str(sip_zip))
    expect(page.locator("#upload-status")).to_contain_text("100% · 上传完成")
    puts = traffic.puts()
    assert puts[0] == (CHUNK, 409)
    assert puts[1:] == [(start, 200) for start in range(2 * CHUNK, size, CHUNK)]
    conflict = next(c for c in traffic.calls if c["status"] == 409)
    assert conflict["request"].response().json()["offset"] == 2 * CHUNK
    upload = uploaded(sip_zip)
    assert upload.status == "complete" and Path(upload.path).read_bytes() == data
    expect(page.get_by_role("button", name="登记并检测")).to_be_enabled()


def content_bytes(package: Path) -> int:
    """The bytes of the files under data/ of the zipped bag: what the server will count as its payload."""
    with zipfile.ZipFile(package) as archive:
        return sum(i.file_size for i in archive.infolist() if i.filename.startswith("data/") and not i.is_dir())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_form_fills_in_the_declared_bytes_from_the_package(signed_in: Any, sip_zip: Path) -> None:
    """The browser knows the package: the declared bytes are read from the zip's directory, not asked for."""
    from playwright.sync_api import expect

    page = signed_in
    field = page.get_by_label("声明字节数")
    expect(field).to_have_value("")
    page.get_by_label("信息包（.zip）").set_input_files(str(sip_zip))
    expect(page.locator("#upload-status")).to_contain_text("上传完成")
    expect(field).to_have_value(str(content_bytes(sip_zip)))
    page.get_by_label("全宗", exact=True).select_option("Z109")
    page.get_by_role("button", name="登记并检测").click()
    expect(page.get_by_text("已登记，正在进行四性检测。")).to_be_visible(timeout=60_000)

    from dangan.accession.models import Transfer

    transfer = Transfer.objects.get()
    assert transfer.declared_bytes == transfer.payload_bytes == content_bytes(sip_zip)
    item = transfer.latest_report().items.get(code="YJ-2-2")
    assert item.result == "pass" and "与声明相符" in item.summary


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_transfer_page_follows_its_jobs_without_a_reload(
    signed_in: Any, live_server: Any, tmp_path: Path, archivist: Any, settings: Any, shots: Path
) -> None:
    """Check again, then accept, with the database queue and its worker: the page shows each job's progress as the
    worker writes it, and the result when it ends, by itself (htmx polls the progress panel)."""
    from playwright.sync_api import expect

    from dangan.accession.actions.checking import do_check, do_sign_item
    from dangan.accession.actions.receiving import do_receive
    from dangan.accession.models import Transfer
    from tests.accession.test_jobs import DATABASE_QUEUE, run_queued_jobs

    transfer = do_receive(archivist, make_sample_sip(tmp_path / "sip", default_items(2)))
    do_check(archivist, transfer)
    settings.TASKS = DATABASE_QUEUE
    page = signed_in
    page.goto(f"{live_server.url}/manage/accession/transfers/{transfer.uuid}/")
    badges = page.locator(".page-header__meta .badge")
    expect(badges.nth(0)).to_have_text("检测中")

    page.get_by_role("button", name="重新检测").click()
    progress = page.locator("#transfer-progress")
    expect(progress.get_by_role("heading")).to_have_text("检测进度")
    expect(progress).to_contain_text("排队等待后台任务 · 0%")
    # The worker writes its progress; the page shows it without being reloaded.
    Transfer.objects.filter(pk=transfer.pk).update(
        progress_label="格式识别与可读性", progress_done=37, progress_total=100
    )
    expect(progress).to_contain_text("格式识别与可读性 · 37%")
    run_queued_jobs()
    expect(progress).to_have_count(0, timeout=15_000)  # the check ended: the page shows its new report
    assert transfer.reports.count() == 2

    report = transfer.latest_report()
    for item in report.items.filter(result="manual"):
        do_sign_item(archivist, item, "pass", "已人工查验")
    page.goto(f"{live_server.url}/manage/accession/transfers/{transfer.uuid}/")
    page.get_by_role("button", name="接收入库").click()
    expect(progress.get_by_role("heading")).to_have_text("入库进度")
    expect(progress).to_contain_text("等待后台任务开始")
    page.screenshot(path=str(shots / "transfer-accept-queued.png"), full_page=True)
    run_queued_jobs()
    expect(badges.nth(0)).to_have_text("已接收", timeout=15_000)
    expect(progress).to_have_count(0)
    page.screenshot(path=str(shots / "transfer-accepted.png"), full_page=True)
    transfer.refresh_from_db()
    assert transfer.status == "accepted" and transfer.task == ""
