"""The search box's query language: words, "phrases", field filters (题名:…), AND/OR/NOT (与/或/非, -词), parentheses
and 日期: ranges, parsed into a small tree the backends translate. Terms are not segmented here: the backend runs
the one analyzer on each term.

A 档号: term that is not quoted is a prefix: 档号:Z1 finds Z109-WS·2011-…, 档号:Z109-WS·19 every code of Z109-WS
whose next part begins with 19 (``is_prefix_term``; both engines, the last word of the term may go on). A query is
bounded (MAX_QUERY_LENGTH characters, MAX_DEPTH nested parentheses, MAX_TERMS terms): beyond, a clear error, never
a server error."""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from dangan.utilities.text import fold_width

FIELDS: dict[str, str] = {
    "题名": "title",
    "责任者": "responsible",
    "档号": "reference_code",
    "文号": "document_number",
    "主题词": "subjects",
    "全文": "fulltext",  # the units' full text (OCR text of their pages: search.fulltext)
}
# English aliases (and the column names themselves), matched without regard to case.
FIELD_ALIASES: dict[str, str] = {
    "title": "title",
    "responsible": "responsible",
    "code": "reference_code",
    "reference_code": "reference_code",
    "number": "document_number",
    "document_number": "document_number",
    "subject": "subjects",
    "subjects": "subjects",
    "fulltext": "fulltext",
}
FIELD_LABELS: dict[str, str] = {column: label for label, column in FIELDS.items()}
DATE_FIELDS = ("日期", "date")
# Fields whose unquoted terms match as prefixes: people type the start of a 档号 (the fonds, the fonds and series …).
PREFIX_FIELDS = frozenset({"reference_code"})

# Bounds that keep parsing, compiling and matching a query small whatever is typed or sent to the API.
MAX_QUERY_LENGTH = 1000
MAX_DEPTH = 20
MAX_TERMS = 100

# Names people try for a field, and the field they mean.
_SUGGESTIONS: dict[str, str] = {
    "作者": "责任者",
    "著者": "责任者",
    "发文机关": "责任者",
    "发文单位": "责任者",
    "机关": "责任者",
    "单位": "责任者",
    "形成者": "责任者",
    "author": "责任者",
    "creator": "责任者",
    "标题": "题名",
    "名称": "题名",
    "题目": "题名",
    "文件名": "题名",
    "name": "题名",
    "档案号": "档号",
    "编号": "档号",
    "案卷号": "档号",
    "id": "档号",
    "字号": "文号",
    "发文字号": "文号",
    "文件号": "文号",
    "关键词": "主题词",
    "关键字": "主题词",
    "主题": "主题词",
    "keyword": "主题词",
    "时间": "日期",
    "年代": "日期",
    "年份": "日期",
    "年度": "日期",
    "成文日期": "日期",
    "year": "日期",
    "正文": "全文",
    "内容": "全文",
    "文本": "全文",
    "ocr": "全文",
    "text": "全文",
}

_AND_WORDS = {"AND", "与", "且"}
_OR_WORDS = {"OR", "或"}
_NOT_WORDS = {"NOT", "非"}
_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』"}
_EXAMPLE = '例如：遵义会议 或 (四渡赤水 -纪念馆) 题名:"娄山关" 日期:1934-1936'


class QuerySyntaxError(ValueError):
    """A query the parser cannot read; ``message`` says what is wrong and shows the right form, ``position`` is the
    offset of the offending character in the query."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Term:
    text: str
    field: str | None = None  # a column name, one of FIELDS' values ("title" …); None for every text field
    phrase: bool = False


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


@dataclass(frozen=True)
class DateRange:
    start: datetime.date | None
    end: datetime.date | None


Node = Term | And | Or | Not


def is_prefix_term(term: Term) -> bool:
    """Whether a term matches codes that start with it (档号:Z1) rather than whole words (see PREFIX_FIELDS)."""
    return term.field in PREFIX_FIELDS and not term.phrase


@dataclass(frozen=True)
class ParsedQuery:
    root: Node | None  # None when the query is empty or holds only a date range
    date_range: DateRange | None
    fields: tuple[str, ...]  # the columns the query's field filters name, in order of first use


# --- lexer --------------------------------------------------------------------------------------------------


@dataclass
class _Token:
    kind: str  # word, phrase, field, date, and, or, not, lparen, rparen
    text: str
    position: int
    field: str | None = None


def _fold(query: str) -> str:
    """Full-width ASCII and the ideographic space to half-width, one character for one (positions stay valid)."""
    return fold_width(query)


def _field_for(name: str, position: int) -> str:
    """The column a field name stands for, 'date' for a date range; an unknown name is an error with a hint."""
    from .analysis import normalize

    key = normalize(name).replace(" ", "")
    for label, column in FIELDS.items():
        if key == label:
            return column
    if key in FIELD_ALIASES:
        return FIELD_ALIASES[key]
    if key in DATE_FIELDS:
        return "date"
    known = "、".join(f"{label}:" for label in (*FIELDS, "日期"))
    suggestion = _SUGGESTIONS.get(key)
    hint = (
        f"您是不是要用“{suggestion}:”？如 {suggestion}:{'1935' if suggestion == '日期' else '遵义'}。"
        if suggestion
        else ""
    )
    raise QuerySyntaxError(
        f'不认识的字段“{name}:”。{hint}可用的字段有：{known}。若要检索含冒号的文字，请加引号，如 "{name}:…"。',
        position,
    )


_FIELD_NAME = re.compile(r"[^\W\d_][\w]*")
_SEARCHABLE = re.compile(r"[^\W_]")


def _tokenize(query: str) -> list[_Token]:
    if len(query) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(
            f"检索式太长（{len(query)} 个字符）：最多 {MAX_QUERY_LENGTH} 个字符，请只写要找的关键词。", MAX_QUERY_LENGTH
        )
    text = _fold(query)
    tokens: list[_Token] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "(":
            tokens.append(_Token("lparen", c, i))
            i += 1
        elif c == ")":
            tokens.append(_Token("rparen", c, i))
            i += 1
        elif c in _QUOTES:
            i = _read_phrase(text, i, tokens, None)
        elif c == "-" and i + 1 < n and not text[i + 1].isspace():  # at the start of a term: NOT
            tokens.append(_Token("not", c, i))
            i += 1
        elif c == "-" and (i + 1 >= n or text[i + 1].isspace()):
            raise QuerySyntaxError("减号“-”后面缺少要排除的词：减号要紧贴在词前面，如 遵义会议 -纪念馆。", i)
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in "()" and text[i] not in _QUOTES:
                if text[i] == ":" and i > start and _FIELD_NAME.fullmatch(text[start:i]):
                    break
                i += 1
            if i < n and text[i] == ":" and i > start:
                i = _read_field(text, start, i, tokens)
                continue
            word = text[start:i]
            if not _SEARCHABLE.search(word):
                continue  # punctuation alone: nothing the analyzer would keep
            kind = "word"
            if word in _AND_WORDS:
                kind = "and"
            elif word in _OR_WORDS:
                kind = "or"
            elif word in _NOT_WORDS:
                kind = "not"
            tokens.append(_Token(kind, word, start))
    terms = [t for t in tokens if t.kind in ("word", "phrase")]
    if len(terms) > MAX_TERMS:
        raise QuerySyntaxError(
            f"检索词太多（{len(terms)} 个）：一次最多 {MAX_TERMS} 个，请只写要找的关键词。", terms[MAX_TERMS].position
        )
    return tokens


def _read_phrase(text: str, i: int, tokens: list[_Token], field: str | None) -> int:
    close = _QUOTES[text[i]]
    end = text.find(close, i + 1)
    if end < 0:
        raise QuerySyntaxError(
            f'引号 {text[i]} 没有配对的 {close}：短语要用一对引号括起来，如 "四渡赤水" 或 “四渡赤水”。', i
        )
    phrase = " ".join(text[i + 1 : end].split())
    if not _SEARCHABLE.search(phrase):
        raise QuerySyntaxError('引号里没有内容：请在引号中写要检索的短语，如 "四渡赤水"。', i)
    tokens.append(_Token("phrase", phrase, i, field))
    return end + 1


def _read_field(text: str, start: int, colon: int, tokens: list[_Token]) -> int:
    name = text[start:colon]
    field = _field_for(name, start)
    i = colon + 1
    n = len(text)
    label = "日期" if field == "date" else FIELD_LABELS.get(field, name)
    if i >= n or text[i].isspace() or text[i] == ")":
        example = "日期:1934-1936" if field == "date" else f"{label}:遵义会议"
        raise QuerySyntaxError(f"字段“{name}:”后面缺少检索词：冒号后紧接着写要找的内容，如 {example}。", start)
    if field == "date":
        if text[i] in _QUOTES:
            close = _QUOTES[text[i]]
            end = text.find(close, i + 1)
            if end < 0:
                raise QuerySyntaxError(f'引号 {text[i]} 没有配对的 {close}：如 日期:"1934-1936"。', i)
            value, after = text[i + 1 : end].strip(), end + 1
        else:
            end = i
            while end < n and not text[end].isspace() and text[end] not in "()":
                end += 1
            value, after = text[i:end], end
        if not value:
            raise QuerySyntaxError(f"字段“{name}:”后面缺少日期：如 {_DATE_EXAMPLE}。", start)
        tokens.append(_Token("date", value, start, "date"))
        return after
    if text[i] in _QUOTES:
        return _read_phrase(text, i, tokens, field)
    if text[i] == "(":
        tokens.append(_Token("field", name, start, field))
        return i
    end = i
    while end < n and not text[end].isspace() and text[end] not in "()" and text[end] not in _QUOTES:
        end += 1
    tokens.append(_Token("word", text[i:end], i, field))
    return end


# --- dates --------------------------------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})(?:(?:[-./年])(\d{1,2})(?:(?:[-./月])(\d{1,2})日?)?月?)?年?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})?")
_YEAR_SPAN = re.compile(r"(\d{4})-(\d{4})")
_RANGE_SEPARATORS = ("..", "~", "—", "–", "至", "到")
_DATE_EXAMPLE = "日期:1935、日期:1934-1936、日期:1935-01-15..1935-02-01、日期:..1949 或 日期:1949.."


def _bound(value: str, position: int, last: bool) -> datetime.date:
    """The first (or with ``last`` the last) day of the year, month or day ``value`` names."""
    m = _DATE.fullmatch(value) or _COMPACT.fullmatch(value)
    if not m:
        raise QuerySyntaxError(
            f"看不懂日期“{value}”：日期写作 1935、1935-01 或 1935-01-15，如 {_DATE_EXAMPLE}。", position
        )
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    try:
        if year < 1:
            raise ValueError
        if month is None:
            return datetime.date(year, 12, 31) if last else datetime.date(year, 1, 1)
        if day is None:
            return datetime.date(year, month, calendar.monthrange(year, month)[1] if last else 1)
        return datetime.date(year, month, day)
    except ValueError:
        raise QuerySyntaxError(f"日期“{value}”不存在：请检查年、月、日，如 {_DATE_EXAMPLE}。", position) from None


def _date_range(value: str, position: int) -> DateRange:
    value = value.strip()
    for separator in _RANGE_SEPARATORS:
        if separator in value:
            start_text, _, end_text = value.partition(separator)
            break
    else:
        span = _YEAR_SPAN.fullmatch(value)
        if span:
            start_text, end_text = span.groups()
        else:
            return DateRange(_bound(value, position, False), _bound(value, position, True))
    start_text, end_text = start_text.strip(), end_text.strip()
    if not start_text and not end_text:
        raise QuerySyntaxError(f"日期范围“{value}”两端都是空的：至少写出一端，如 {_DATE_EXAMPLE}。", position)
    start = _bound(start_text, position, False) if start_text else None
    end = _bound(end_text, position, True) if end_text else None
    if start and end and start > end:
        raise QuerySyntaxError(f"日期范围“{value}”的开始晚于结束：先写较早的日期，如 日期:1934-1936。", position)
    return DateRange(start, end)


# --- parser -------------------------------------------------------------------------------------------------

_OPERATOR_NAMES = {"and": "且", "or": "或", "not": "非"}


class _Parser:
    def __init__(self, tokens: list[_Token], length: int) -> None:
        self.tokens = tokens
        self.i = 0
        self.length = length
        self.dates: list[tuple[DateRange, int, int]] = []  # (range, position, parenthesis depth)
        self.depth = 0
        self.fields: list[str] = []

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self.or_expr()
        token = self.peek()
        if token is not None:
            # Only a stray ")" can stop the expression early.
            raise QuerySyntaxError(
                "右括号“)”没有配对的左括号“(”：请删去它或补上左括号，如 (遵义 或 赤水) 会议。", token.position
            )
        return node

    def or_expr(self) -> Node | None:
        parts = [self.and_expr()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            self.expect_operand(token)
            parts.append(self.and_expr())
        return _combine(Or, parts)

    def and_expr(self) -> Node | None:
        parts = [self.not_expr()]
        while (token := self.peek()) is not None and token.kind not in ("or", "rparen"):
            if token.kind == "and":
                self.take()
                self.expect_operand(token)
            parts.append(self.not_expr())
        return _combine(And, parts)

    def not_expr(self) -> Node | None:
        # A run of NOTs (非 非 -词, or a thousand minus signs) is read in a loop, not by recursion: each one flips.
        negations: list[_Token] = []
        while (token := self.peek()) is not None and token.kind == "not":
            self.take()
            self.expect_operand(token)
            negations.append(token)
        part = self.primary()
        if not negations:
            return part
        if part is None:
            raise QuerySyntaxError("日期范围不能排除：请直接写要的日期范围，如 日期:..1934。", negations[-1].position)
        for _negation in negations:
            part = part.part if isinstance(part, Not) else Not(part)
        return part

    def expect_operand(self, operator: _Token) -> None:
        token = self.peek()
        name = "减号“-”" if operator.text == "-" else f"“{operator.text}”"
        if token is None or token.kind in ("and", "or", "rparen"):
            raise QuerySyntaxError(
                f"{name}后面缺少检索词：运算符两边都要有词，如 遵义 {_OPERATOR_NAMES[operator.kind]} 赤水。",
                operator.position,
            )

    def primary(self) -> Node | None:
        token = self.peek()
        if token is None:
            raise QuerySyntaxError("查询在这里意外结束：请补全，如 遵义 或 赤水。", self.length)
        if token.kind in ("and", "or"):
            raise QuerySyntaxError(
                f"“{token.text}”前面缺少检索词：运算符两边都要有词，如 遵义 {_OPERATOR_NAMES[token.kind]} 赤水。"
                '若要检索这个字本身，请加引号，如 "或"。',
                token.position,
            )
        if token.kind == "rparen":
            raise QuerySyntaxError(
                "右括号“)”没有配对的左括号“(”：请删去它或补上左括号，如 (遵义 或 赤水) 会议。", token.position
            )
        self.take()
        if token.kind == "date":
            self.dates.append((_date_range(token.text, token.position), token.position, self.depth))
            return None
        if token.kind in ("word", "phrase"):
            if token.field:
                self.fields.append(token.field)
            return Term(token.text, token.field, token.kind == "phrase")
        if token.kind == "field":  # 题名:( … ): the field applies to every term inside
            self.fields.append(token.field or "")
            opening = self.take()
            return _with_field(self.group(opening), token.field or "")
        return self.group(token)

    def group(self, opening: _Token) -> Node | None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(
                f"括号套得太深：最多 {MAX_DEPTH} 层，请去掉多余的括号，如 (遵义 或 赤水) 会议。", opening.position
            )
        if self.peek() is None:
            raise QuerySyntaxError("左括号“(”没有配对的右括号“)”：请补上，如 (遵义 或 赤水) 会议。", opening.position)
        if (token := self.peek()) is not None and token.kind == "rparen":
            raise QuerySyntaxError("括号里没有内容：请在括号中写检索词，如 (遵义 或 赤水)。", opening.position)
        node = self.or_expr()
        token = self.peek()
        if token is None or token.kind != "rparen":
            raise QuerySyntaxError("左括号“(”没有配对的右括号“)”：请补上，如 (遵义 或 赤水) 会议。", opening.position)
        self.take()
        self.depth -= 1
        if node is None:
            raise QuerySyntaxError(
                "日期范围不能放在括号里：请写在括号外，如 (遵义 或 赤水) 日期:1935。", opening.position
            )
        return node


def _combine(kind: type[And] | type[Or], parts: list[Node | None]) -> Node | None:
    kept = [p for p in parts if p is not None]
    if kind is Or and len(parts) > 1 and len(kept) != len(parts):
        raise _DateInOr()
    flat: list[Node] = []
    for part in kept:
        flat.extend(part.parts if isinstance(part, kind) else (part,))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


class _DateInOr(Exception):
    pass


def _with_field(node: Node | None, field: str) -> Node | None:
    if isinstance(node, Term):
        return node if node.field else Term(node.text, field, node.phrase)
    if isinstance(node, Not):
        return Not(_with_field(node.part, field))  # type: ignore[arg-type]
    if isinstance(node, (And, Or)):
        return type(node)(tuple(_with_field(p, field) for p in node.parts))  # type: ignore[misc]
    return node


def _positive(node: Node) -> bool:
    """Whether the node can match on its own (a NOT alone, or OR with a NOT branch, would match almost
    everything)."""
    if isinstance(node, Term):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_positive(p) for p in node.parts)
    return all(_positive(p) for p in node.parts)


def _or_with_exclusion(node: Node) -> bool:
    if isinstance(node, Or) and not _positive(node):
        return True
    if isinstance(node, Not):
        return _or_with_exclusion(node.part)
    if isinstance(node, (And, Or)):
        return any(_or_with_exclusion(p) for p in node.parts)
    return False


def parse_query(q: str) -> ParsedQuery:
    """Parse the search box's text; raises QuerySyntaxError (with a Chinese message and the position) when it
    cannot."""
    tokens = _tokenize(q)
    parser = _Parser(tokens, len(q))
    try:
        root = parser.parse()
    except _DateInOr:
        position = next((t.position for t in tokens if t.kind == "date"), 0)
        raise QuerySyntaxError(
            "日期范围不能用“或”连接：日期范围对整个查询生效，如 (遵义 或 赤水) 日期:1935。", position
        ) from None
    date_range: DateRange | None = None
    for found, position, depth in parser.dates:
        if depth:
            raise QuerySyntaxError("日期范围不能放在括号里：请写在括号外，如 (遵义 或 赤水) 日期:1935。", position)
        if date_range is not None:
            raise QuerySyntaxError(f"只能有一个日期范围：请合成一个，如 {_DATE_EXAMPLE}。", position)
        date_range = found
    if root is not None and _or_with_exclusion(root):
        raise QuerySyntaxError(
            "“或”的每一边都要有要找的词，不能只是排除：如 (遵义 或 赤水) -纪念馆，而不是 遵义 或 -纪念馆。", 0
        )
    if root is not None and not _positive(root) and date_range is None:
        raise QuerySyntaxError(
            "只有排除条件，会命中几乎全部档案：请同时写要找的词，如 遵义会议 -纪念馆（“非”/“-”之前要有检索词）。", 0
        )
    fields = tuple(dict.fromkeys(f for f in parser.fields if f))
    return ParsedQuery(root, date_range, fields)


# --- description --------------------------------------------------------------------------------------------


def positive_terms(node: Node | None) -> list[Term]:
    """The terms of ``node`` that a hit matched, in query order: all but those under a NOT (what ranking and
    highlighting weigh)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, And | Or):
        return [term for part in node.parts for term in positive_terms(part)]
    return []


def _describe_node(node: Node, inside: bool = False) -> str:
    if isinstance(node, Term):
        quoted = f"“{node.text}”"
        if node.field and is_prefix_term(node):
            return f"{FIELD_LABELS.get(node.field, node.field)}以{quoted}开头"
        if node.field:
            return f"{FIELD_LABELS.get(node.field, node.field)}含{'短语' if node.phrase else ''}{quoted}"
        return f"短语{quoted}" if node.phrase else quoted
    if isinstance(node, Not):
        return f"不含{_describe_node(node.part, True)}"
    joiner = " 且 " if isinstance(node, And) else " 或 "
    text = joiner.join(_describe_node(p, True) for p in node.parts)
    return f"({text})" if inside else text


def _last_of_month(day: datetime.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def _describe_dates(dates: DateRange) -> str:
    start, end = dates.start, dates.end
    # Show the bounds as coarsely as they were written: years, months, then days.
    if (start is None or (start.month, start.day) == (1, 1)) and (end is None or (end.month, end.day) == (12, 31)):
        show = lambda day: f"{day.year}"  # noqa: E731
    elif (start is None or start.day == 1) and (end is None or _last_of_month(end)):
        show = lambda day: f"{day.year}-{day.month:02d}"  # noqa: E731
    else:
        show = datetime.date.isoformat
    if start and end:
        return f"日期 {show(start)}" if show(start) == show(end) else f"日期 {show(start)}—{show(end)}"
    if start:
        return f"日期 {show(start)} 及以后"
    if end:
        return f"日期 {show(end)} 及以前"
    return ""


def describe(parsed: ParsedQuery) -> str:
    """A short Chinese rendering of the query for the result page: 题名含“遵义会议” 且 日期 1934—1936."""
    parts = []
    if parsed.root is not None:
        parts.append(_describe_node(parsed.root, inside=isinstance(parsed.root, Or) and parsed.date_range is not None))
    if parsed.date_range is not None:
        parts.append(_describe_dates(parsed.date_range))
    return " 且 ".join(p for p in parts if p)
