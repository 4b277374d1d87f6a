"""Part stacks: the printed PDFs (box and spine labels with the 档号 range and a QR code of the box page's URL,
the shelf list, the 备考表) and the CLI (`dangan conservation stack|location|place|checkouts|labels`) with its
exit codes. The QR code is checked by re-encoding the expected URL with segno and comparing its modules with the
image embedded in the PDF, pixel by pixel (no QR decoder is installed), and by the link annotation over it."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from pypdf import PdfReader

from dangan.conservation.actions.custody import do_check_out
from dangan.conservation.actions.stacks import do_add_location, do_add_stack, do_move_units
from dangan.conservation.models import CheckOut, Location, Move, Placement
from dangan.core.actors import CONSOLE

pytestmark = pytest.mark.django_db

BOX_URL = "https://dangan.example.cn/manage/conservation/locations/K1-A-001/"


def cli(*args: str) -> tuple[int, str, str]:
    from dangan.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["conservation", *args])
    return code, out.getvalue(), err.getvalue()


def _text(data: bytes) -> str:
    # pypdf reads the CJK subset fonts' two-byte codes with a NUL between characters (as tests/replication do)
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace("\x00", "")


def _links(data: bytes) -> list[str]:
    uris = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None:
                uris.append(str(action.get_object()["/URI"]))
    return uris


def _qr_matches(data: bytes, url: str) -> bool:
    """Whether an image in the PDF has exactly the modules of ``url``'s QR code (segno, error correction M)."""
    import segno
    from PIL import Image

    expected = [[bool(v) for v in row] for row in segno.make_qr(url, error="m").matrix]
    for page in PdfReader(io.BytesIO(data)).pages:
        for image in page.images:
            picture = Image.open(io.BytesIO(image.data)).convert("L")
            if picture.size != (len(expected), len(expected)):
                continue
            drawn = [[picture.getpixel((x, y)) < 128 for x in range(picture.width)] for y in range(picture.height)]
            if drawn == expected:
                return True
    return False


@pytest.fixture
def box(db: Any, conservator: Any, make_unit: Any) -> tuple[Location, list[Any]]:
    stack = do_add_stack(CONSOLE, "K1", "一号库房")
    zone = do_add_location(CONSOLE, stack, "A", "zone")
    box = do_add_location(CONSOLE, zone, "001", "box", name="扶贫办 2011")
    units = [make_unit() for _ in range(3)]
    do_move_units(conservator, units, box)
    return box, units


@override_settings(LABEL_BASE_URL="https://dangan.example.cn")
def test_box_and_spine_labels_carry_the_range_and_a_qr_code_of_the_box_page(
    box: tuple[Location, list[Any]], conservator: Any
) -> None:
    _location, units = box
    codes = sorted(u.reference_code for u in units)
    client = Client()
    client.force_login(conservator)
    for kind in ("box-labels", "spine-labels"):
        response = client.get(f"/manage/conservation/locations/K1-A/pdf/{kind}/")  # the boxes below K1-A
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = _text(response.content)
        assert codes[0] in text and codes[-1] in text and codes[1] not in text and "共 3 件" in text, kind
        assert _qr_matches(response.content, BOX_URL), kind
        assert not _qr_matches(response.content, BOX_URL.replace("001", "002")), kind  # the check can fail
        assert _links(response.content) == [BOX_URL], kind
    page = client.get("/manage/conservation/locations/K1-A-001/")  # what the phone opens
    assert page.status_code == 200 and codes[0] in page.content.decode()
    assert Client().get("/manage/conservation/locations/K1-A-001/").status_code == 302  # sign-in required


def test_the_shelf_list_and_the_note_sheet(box: tuple[Location, list[Any]], conservator: Any) -> None:
    _location, units = box
    client = Client()
    client.force_login(conservator)
    shelf = _text(client.get("/manage/conservation/locations/K1/pdf/shelf-list/").content)
    positions = [shelf.index(u.reference_code) for u in sorted(units, key=lambda u: u.reference_code)]
    assert positions == sorted(positions) and "排架目录" in shelf and "共 3 件" in shelf
    note = _text(client.get("/manage/conservation/locations/K1-A-001/pdf/note-sheet/").content)
    for words in ("卷内备考表", "本卷情况说明", "立卷人", "检查人", "立卷时间", "共 3 件，9 页"):
        assert words in note


def test_the_cli_builds_the_tree_places_units_and_says_why_it_refuses(db: Any, make_unit: Any, tmp_path: Path) -> None:
    assert cli("stack", "add", "K2", "二号库房")[0] == 0
    code, _out, err = cli("stack", "add", "K2", "重复")
    assert code == 1 and "已有代码" in err
    assert cli("location", "add", "K2", "A")[0] == 0  # the level below a stack: 区
    code, out, _err = cli("location", "add", "K2-A", "1", "--kind", "box", "--count", "3", "--width", "3")
    assert code == 0 and "K2-A-003" in out
    assert Location.objects.get(full_code="K2-A-002").kind == "box"
    assert cli("location", "add", "K9", "A")[0] == 2  # an unknown parent is a usage error
    assert cli("location", "add", "K2-A-001", "X", "--kind", "zone")[0] == 1  # levels never reversed
    unit = make_unit()
    code, out, _err = cli("place", "K2-A-001", unit.reference_code, "--reason", "上架")
    assert code == 0 and Placement.objects.get(unit=unit).location.full_code == "K2-A-001"
    code, _out, err = cli("place", "K2-A-002", unit.reference_code, "不存在的档号")
    assert code == 1 and "不存在的档号" in err and Move.objects.filter(unit=unit).count() == 1
    code, _out, err = cli("location", "remove", "K2-A")
    assert code == 1 and "仍存放有档案" in err
    assert cli("location", "remove", "K2-A-003")[0] == 0
    code, out, _err = cli("stack", "list", "--json")
    rows = {row["full_code"]: row for row in json.loads(out)}
    assert code == 0 and rows["K2"]["units"] == 1 and "K2-A-003" not in rows
    do_check_out(CONSOLE, unit, "reading", timezone.localdate(), "张三")
    CheckOut.objects.update(due=timezone.localdate() - timedelta(days=1))
    code, out, _err = cli("checkouts", "--overdue", "--json")
    (row,) = json.loads(out)
    assert code == 0 and row["reference_code"] == unit.reference_code and row["overdue"] is True
    output = tmp_path / "labels.pdf"
    code, _out, _err = cli(
        "labels", "K2-A", "--kind", "box-labels", "--output", str(output), "--base-url", "https://d.example"
    )
    assert code == 0 and _qr_matches(output.read_bytes(), "https://d.example/manage/conservation/locations/K2-A-001/")
