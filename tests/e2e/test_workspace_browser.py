"""The workspace in a real browser: the authority picker driven by the keyboard, and the staff pages on a 390 px
phone (no page wider than the screen).

Drives Debian's chromium through Playwright against pytest-django's live server (tests/e2e/browser.py; skipped
without chromium unless DANGAN_REQUIRE_BROWSER=1). Each page is signed in by a test client's session cookie.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.browser import DESKTOP, PHONE, screenshot_folder


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_authority_picker_finds_a_record_by_a_variant_name_with_the_keyboard(chromium, fonds, archivist):
    from playwright.sync_api import expect

    from dangan.catalog.actions.authorities import do_create_authority
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import UnitAuthority
    from dangan.core.actors import CONSOLE

    unit = do_create_unit(CONSOLE, fonds, {"title": "关于红军长征过境的报告"})
    mao = do_create_authority(CONSOLE, {"kind": "person", "name": "毛泽东", "variant_names": ["毛润之", "子任"]})
    do_create_authority(CONSOLE, {"kind": "person", "name": "朱德", "variant_names": ["朱玉阶"]})

    with chromium.page(archivist) as page:
        page.goto(f"{chromium.base_url}/manage/units/{unit.uuid}/")
        page.get_by_text("关联规范档案", exact=True).click()
        box = page.get_by_role("combobox", name="规范档案")
        box.focus()
        page.keyboard.type("润之")
        options = page.locator("#authority-options [role=option]")
        expect(options).to_have_count(1)
        expect(page.locator("#authority-options")).to_be_visible()
        expect(box).to_have_attribute("aria-expanded", "true")
        expect(options.first).to_contain_text("又名 毛润之")
        if shots := screenshot_folder():
            page.screenshot(path=str(shots / "picker.png"), full_page=True)

        page.keyboard.press("ArrowDown")
        expect(options.first).to_have_attribute("aria-selected", "true")
        expect(box).to_have_attribute("aria-activedescendant", "authority-option-1")
        page.keyboard.press("Enter")  # picks the option, does not submit the form
        expect(box).to_have_value("毛泽东")
        expect(box).to_have_attribute("aria-expanded", "false")
        expect(page.locator("#authority-options")).to_be_hidden()
        assert page.locator("input[name=authority]").input_value() == str(mao.uuid)

        # Esc closes a list that is open, and typing again forgets the choice.
        page.keyboard.press("End")
        page.keyboard.type("x")
        assert page.locator("input[name=authority]").input_value() == ""
        box.fill("")
        box.focus()
        page.keyboard.type("子任")
        expect(options).to_have_count(1)
        page.keyboard.press("Escape")
        expect(page.locator("#authority-options")).to_be_hidden()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(box).to_have_value("毛泽东")

        page.get_by_label("关系").select_option(label="主题")
        page.get_by_role("button", name="关联", exact=True).click()
        expect(page.get_by_text("已关联规范档案“毛泽东”。")).to_be_visible()
        expect(page.locator("#auth-heading + ul").get_by_role("link", name="毛泽东")).to_be_visible()
    assert UnitAuthority.objects.filter(unit=unit, authority=mao, role="subject").exists()


# Finds the elements that stick out past the right edge of the screen and are not inside a box that scrolls
# sideways by itself (a table's wrapper): what makes a page wider than the phone.
OVERFLOW_SCRIPT = """() => {
  const width = document.documentElement.clientWidth;
  const culprits = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 0.5) continue;
    let clipped = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) { clipped = true; break; }
    }
    if (!clipped) culprits.push(el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "") + " → " + Math.round(box.right));
  }
  return {scrollWidth: document.documentElement.scrollWidth, culprits: culprits.slice(0, 8)};
}"""


@pytest.fixture
def staff_pages(fonds, categories, archivist, settings, tmp_path) -> dict[str, Any]:
    """A fonds with units at two levels, long codes and titles, an authority link and a preserved package."""
    from dangan.catalog.actions.authorities import do_create_authority, do_link_authority
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.choices import UnitLevel
    from dangan.core.actors import CONSOLE
    from dangan.preservation.actions.preserving import do_preserve

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    series = do_create_unit(CONSOLE, fonds, {"title": "2011年 办公室", "level": UnitLevel.SERIES, "year": 2011})
    long_title = "关于印发《贵州省易地扶贫搬迁工程实施规划（2016—2020年）》及配套资金管理办法的通知" * 2
    unit = do_create_unit(
        CONSOLE,
        fonds,
        {
            "title": long_title,
            "category": categories["WS"],
            "year": 2011,
            "retention": "D30",
            "organization": "BGS",
            "responsible": "贵州省扶贫开发办公室、贵州省发展和改革委员会、贵州省财政厅",
            "document_number": "黔扶办发〔2011〕123号",
            "remarks": "备注" * 40,
        },
        parent=series,
        subjects=["易地扶贫搬迁", "资金管理"],
    )
    person = do_create_authority(CONSOLE, {"kind": "person", "name": "毛泽东", "variant_names": ["毛润之"]})
    do_link_authority(CONSOLE, unit, person, "subject")
    source = tmp_path / "扫描件_关于印发贵州省易地扶贫搬迁工程实施规划的通知_第一册_彩色_600dpi.pdf"
    source.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    package = do_preserve(CONSOLE, unit, [source], message="接收").package
    return {"series": series, "unit": unit, "person": person, "package": package}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_staff_page_is_wider_than_a_390_px_phone(
    chromium, fonds, staff_pages, archivist, system_admin, security_admin, security_auditor
):
    unit, code = staff_pages["unit"], fonds.code
    pages = {
        archivist: [
            "/manage/fonds/",
            f"/manage/fonds/{code}/",
            f"/manage/fonds/{code}/?tab=scheme",
            f"/manage/fonds/{code}/?tab=scheme&category=WS&year=2011&org=BGS&retention=D30",
            f"/manage/fonds/{code}/?tab=list&q=扶贫",
            f"/manage/fonds/{code}/?tab=about",
            f"/manage/fonds/{code}/?tab=renumber",
            f"/manage/fonds/{code}/edit/",
            f"/manage/fonds/{code}/units/new/",
            f"/manage/units/{staff_pages['series'].uuid}/",
            f"/manage/units/{unit.uuid}/",
            f"/manage/units/{unit.uuid}/edit/",
            f"/manage/preservation/units/{unit.uuid}/files/",
            f"/manage/preservation/packages/{staff_pages['package'].uuid}/",
            "/manage/preservation/audits/",
            "/manage/authorities/",
            f"/manage/authorities/{staff_pages['person'].uuid}/",
            "/manage/imports/",
            "/manage/imports/new/",
            "/manage/search/?q=扶贫",
            "/manage/search/dictionary/",
            "/manage/accession/",
            "/manage/accession/new/",
            "/manage/tokens/",
            "/manage/password/",
        ],
        system_admin: ["/manage/users/", f"/manage/users/{archivist.pk}/", "/manage/users/new/"],
        security_admin: ["/manage/clearances/"],
        security_auditor: ["/manage/audit/"],
    }
    shots = screenshot_folder()
    wide: dict[str, Any] = {}
    for user, urls in pages.items():
        with chromium.page(user, viewport=PHONE, mobile=True) as page:
            for n, url in enumerate(urls):
                response = page.goto(chromium.base_url + url)
                assert response is not None and response.status == 200, url
                if shots:
                    page.screenshot(path=str(shots / f"phone-{user.username}-{n:02d}.png"), full_page=True)
                found = page.evaluate(OVERFLOW_SCRIPT)
                if found["scrollWidth"] > PHONE["width"]:
                    wide[url] = found
    assert not wide, json.dumps(wide, ensure_ascii=False, indent=1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_navigation_collapses_behind_a_menu_button_on_a_phone(chromium, fonds, archivist):
    from playwright.sync_api import expect

    with chromium.page(archivist, viewport=PHONE, mobile=True) as page:
        page.goto(f"{chromium.base_url}/manage/fonds/")
        toggle = page.get_by_role("button", name="菜单")
        nav = page.get_by_role("navigation", name="主导航")
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(nav.get_by_role("link", name="规范档案")).to_be_hidden()
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(nav.get_by_role("link", name="规范档案")).to_be_visible()
        nav.get_by_role("link", name="规范档案").click()
        expect(page.get_by_role("heading", level=1, name="规范档案")).to_be_visible()
    with chromium.page(archivist, viewport=DESKTOP) as page:
        page.goto(f"{chromium.base_url}/manage/fonds/")
        expect(page.get_by_role("button", name="菜单")).to_be_hidden()
        expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="规范档案")).to_be_visible()
