"""`dangan ocr IMAGE... --out DIR [--json]`: the files, the exit codes, the JSON keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from dangan.cli import main
from dangan.digitization.ocr import parse_alto

from .conftest import HORIZONTAL_LINES, VERTICAL_COLUMNS


def test_every_image_read_writes_text_and_alto(
    tmp_path: Path, horizontal_image: Image.Image, vertical_image: Image.Image, capsys: pytest.CaptureFixture[str]
) -> None:
    horizontal_image.save(tmp_path / "0001.png")
    vertical_image.save(tmp_path / "0002.tif")
    out = tmp_path / "out"
    code = main(["ocr", str(tmp_path / "0001.png"), str(tmp_path / "0002.tif"), "--out", str(out), "--json", "-q"])
    assert code == 0
    results = json.loads(capsys.readouterr().out)
    assert [set(item) for item in results] == [{"image", "text", "alto", "lines", "seconds"}] * 2
    assert (out / "0001.txt").read_text(encoding="utf-8") == "\n".join(HORIZONTAL_LINES) + "\n"
    assert (out / "0002.txt").read_text(encoding="utf-8") == "\n".join(VERTICAL_COLUMNS) + "\n"
    assert results[1]["text"] == str(out / "0002.txt") and results[1]["lines"] == 3
    alto = parse_alto((out / "0002.alto.xml").read_bytes())
    assert alto.vertical and alto.text == "\n".join(VERTICAL_COLUMNS)
    assert b"<fileName>0002.tif</fileName>" in (out / "0002.alto.xml").read_bytes()


def test_an_unreadable_image_is_exit_1_and_the_others_still_written(
    tmp_path: Path, horizontal_image: Image.Image, capsys: pytest.CaptureFixture[str]
) -> None:
    horizontal_image.save(tmp_path / "good.jpg", quality=95)
    (tmp_path / "broken.tif").write_bytes(b"II*\x00 not really a tiff")
    out = tmp_path / "out"
    images = [str(tmp_path / "broken.tif"), str(tmp_path / "good.jpg"), str(tmp_path / "missing.png")]
    code = main(["ocr", *images, "--out", str(out), "--json", "-q"])
    captured = capsys.readouterr()
    assert code == 1
    assert "broken.tif" in captured.err and "missing.png" in captured.err
    results = json.loads(captured.out)
    assert [item["alto"] is None for item in results] == [True, False, True]
    assert sorted(path.name for path in out.iterdir()) == ["good.alto.xml", "good.txt"]
    assert (out / "good.txt").read_text(encoding="utf-8").split("\n")[0] == HORIZONTAL_LINES[0]


@pytest.mark.parametrize(
    "argv",
    [["ocr"], ["ocr", "a.png"], ["ocr", "a.png", "--out", "o", "--layout", "diagonal"], ["ocr", "--bogus"]],
)
def test_usage_errors_are_exit_2(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    assert code == 2
