"""Chinese line breaking (禁则, GB/T 15834 and the usual 排版规范): a line never begins with closing punctuation nor
a note's marker, never ends with opening punctuation, and ——/…… are never split. Text is cut into atoms (one Han
character or punctuation mark, one Latin word or number, a space), measured with the font's own advance widths, and
filled greedily; where a break would fall on a forbidden place the writer first tries to squeeze one closing mark
into the line (at most half an em over the measure, taken back from the spacing of the whole line), else pushes
characters back to the next line. Only a whole line with no allowed break at all (a run of closing marks or note
markers longer than the line) is cut where it is full, so that nothing runs into the margin. The layout then
justifies each line but the last to the full measure.

The same breaker serves the vertical (竖排) edition: the measure is then the column's height."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

# May not begin a line (closing punctuation, marks that follow what they mark, small kana, the vertical forms).
NO_START = frozenset(
    "，。、；：？！）》」』】〕〉〗〙〛’”…—～·．,.;:?!)]}%％‰℃°′″々〻ーゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ・"
    "︶︾﹂﹄︼︺︸︐︑︒︓︔︕︖︙︱"
)
# May not end a line (opening punctuation and their vertical forms).
NO_END = frozenset("（《「『【〔〈〖〘〚‘“([{︵︽﹁﹃︻︹︷")
LATIN = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-./:_%+#&'@=()[],;!?\"*<>^|~`$\\{}"
    "ÀÁÂÄÇÈÉÊËÌÍÎÏÑÒÓÔÖÙÚÛÜàáâäçèéêëìíîïñòóôöùúûüāēěīōūǎǐǒǔǖǘǚǜ"
)
SQUEEZE_EM = 0.5  # the most a line may be squeezed to keep a closing mark on it, in ems


@dataclass(slots=True)
class Atom:
    text: str
    width: float
    latin: bool = False  # a Latin word or number: set sideways in the vertical edition
    space: bool = False
    sticky: bool = False  # a note's marker: may not begin a line
    upright: bool = False  # in the vertical edition, one or two digits set across the column (纵中横)


@dataclass(slots=True)
class Line:
    atoms: list[Atom]
    width: float  # the natural width of its atoms
    last: bool  # the paragraph's last line: not justified
    indent: float = 0.0

    @property
    def text(self) -> str:
        return "".join(a.text for a in self.atoms)


Measure = Callable[[str], float]


def atoms(text: str, measure: Measure, *, sticky: bool = False) -> list[Atom]:
    """``text`` cut into atoms measured with ``measure`` (the width of a string at the current size)."""
    result: list[Atom] = []
    word: list[str] = []

    def flush() -> None:
        if word:
            w = "".join(word)
            result.append(Atom(w, measure(w), latin=True, sticky=sticky))
            word.clear()

    for char in text:
        if char in LATIN:
            word.append(char)
            continue
        flush()
        if char in " \t\u00a0\n":
            result.append(Atom(" ", measure(" "), space=True))
        else:
            result.append(Atom(char, measure(char), sticky=sticky))
    flush()
    return result


def _starts_bad(atom: Atom) -> bool:
    return atom.sticky or atom.text[0] in NO_START


def _can_break(line: Sequence[Atom], k: int) -> bool:
    """Whether a line may end before atom ``k``."""
    before, after = line[k - 1], line[k]
    if after.space or before.space:
        return True
    if _starts_bad(after) or before.text[-1] in NO_END:
        return False
    return not (before.latin and after.latin)


def _split_long(items: list[Atom], width: float) -> list[Atom]:
    """A Latin word wider than the line is cut into its letters (each its share of the word's width)."""
    result: list[Atom] = []
    for atom in items:
        if atom.latin and atom.width > width and len(atom.text) > 1:
            share = atom.width / len(atom.text)
            result.extend(Atom(c, share, latin=True, sticky=atom.sticky) for c in atom.text)
        else:
            result.append(atom)
    return result


def break_lines(items: list[Atom], width: float, *, indent: float = 0.0, em: float = 10.0) -> list[Line]:
    """The atoms of one paragraph set in lines of ``width`` (the first line indented by ``indent``)."""
    items = _split_long(items, width - indent)
    lines: list[Line] = []
    n = len(items)
    i = 0
    squeeze = SQUEEZE_EM * em
    while i < n:
        while i < n and items[i].space:
            i += 1
        if i >= n:
            break
        room = width - (indent if not lines else 0.0)
        used = 0.0
        j = i
        while j < n and used + items[j].width <= room + 1e-6:
            used += items[j].width
            j += 1
        if j >= n:
            k = n
        else:
            if j == i:
                j = i + 1  # an atom wider than the line: it goes alone
            k = j
            if k < n and not _can_break(items, k):
                # Squeeze one closing mark (or marker) in when that ends the trouble; else push back.
                if (
                    k + 1 <= n
                    and _starts_bad(items[k])
                    and used + items[k].width <= room + squeeze
                    and k - i >= 8
                    and (k + 1 == n or _can_break(items, k + 1))
                ):
                    k += 1
                else:
                    while k > i + 1 and not _can_break(items, k):
                        k -= 1
                    if k == i + 1 and not _can_break(items, k):
                        k = j  # a whole line with no place to break (a run of marks): cut where it is full
        chosen = items[i:k]
        while chosen and chosen[-1].space:
            chosen.pop()
        lines.append(Line(chosen, sum(a.width for a in chosen), last=k >= n, indent=indent if not lines else 0.0))
        i = k
    if lines:
        lines[-1].last = True
    return lines
