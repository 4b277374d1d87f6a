"""`dangan search …` as an operator uses it: the hits table, JSON, exit codes, reindex and check."""

from __future__ import annotations

import json

import pytest

from dangan.cli import main
from tests.search.fixtures_ui import VISIBLE, holdings_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_help_is_bilingual_and_names_the_three_forms(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["search", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for text in ("dangan search reindex", "dangan search check", "--limit", "--json", "--fonds", "检索", "search"):
        assert text in out, text


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["search"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["search", "遵义", "--limit", "many"])
    assert exc.value.code == 2


def test_the_operator_sees_every_level(holdings, capsys):
    assert main(["search", "遵义"]) == 0
    out = capsys.readouterr().out
    for key in VISIBLE["operator"]:
        assert holdings[key].title in out and holdings[key].reference_code in out
    header = out.splitlines()[0]
    assert "档号" in header and "题名" in header and "score" in header
    assert "共 5 条" in out


def test_words_make_one_query_and_limit_and_fonds(holdings, fonds, capsys):
    assert main(["search", "遵义", "AND", "绝密", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert holdings["top"].title in out and holdings["open"].title not in out
    assert main(["search", "遵义", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert sum(unit.title in out for unit in holdings.values()) == 2 and "列出 2 条" in out
    assert main(["search", "遵义", "--fonds", "z109"]) == 0
    assert main(["search", "遵义", "--fonds", "X999"]) == 2
    assert "X999" in capsys.readouterr().err


def test_json(holdings, capsys):
    assert main(["search", "遵义", "--json", "--limit", "50"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["total"] == 5 and len(body["items"]) == 5
    assert {item["uuid"] for item in body["items"]} == {str(u.uuid) for u in holdings.values()}
    assert set(body["items"][0]) >= {"uuid", "reference_code", "title", "score", "fonds"}


def test_no_hits_is_not_a_failure(holdings, capsys):
    assert main(["search", "不存在的词语"]) == 0
    assert "没有找到" in capsys.readouterr().out


def test_a_malformed_query_exits_2_with_the_message_on_stderr(holdings, capsys):
    assert main(["search", '"遵义']) == 2
    captured = capsys.readouterr()
    assert "检索式有误" in captured.err and captured.out == ""


def test_reindex_and_check(holdings, capsys):
    from dangan.search import sync

    assert main(["search", "check"]) == 0
    out = capsys.readouterr().out
    assert "缺失 missing: 0" in out and "过期 stale: 0" in out

    unit = holdings["secret"]
    sync.remove_units([unit.pk])
    assert main(["search", "check"]) == 1
    out = capsys.readouterr().out
    assert "缺失 missing: 1" in out and f"[{unit.pk}]" in out
    assert main(["search", "遵义"]) == 0
    assert unit.title not in capsys.readouterr().out

    assert main(["search", "reindex"]) == 0
    captured = capsys.readouterr()
    assert "已重建索引" in captured.out and "5" in captured.out
    assert main(["search", "check"]) == 0
    assert main(["search", "遵义"]) == 0
    assert unit.title in capsys.readouterr().out


def test_reindex_takes_no_options(capsys):
    assert main(["search", "reindex", "--json"]) == 2
    assert "reindex" in capsys.readouterr().err


def test_a_limit_above_one_page_pages_through_the_service(fonds, categories, capsys):
    from tests.search.fixtures_ui import make_item

    for n in range(105):
        make_item(fonds, categories, f"脱贫攻坚第{n + 1}号批复", year=2016)
    assert main(["search", "脱贫攻坚", "--json", "--limit", "104"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["total"] == 105 and len(body["items"]) == 104
    assert len({item["uuid"] for item in body["items"]}) == 104
