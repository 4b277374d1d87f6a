"""The reviewers' aid of the openness review (access.sensitive) on 10,000 units of text: each unit's description
(title, notes) and about 3,000 characters of OCR text, with identity-card and phone numbers, names beside health
and poverty words, 密 markings and 50 watched words sprinkled in. No database: the aid is plain Python.

It must be linear: the time per character is measured at 2,500, 5,000 and 10,000 units and should stay flat
(ratio of the largest to the smallest within ×1.3), and one unit's scan should stay far below a page's render.

    python bench/openness_marks_bench.py [--units 10000] [--chars 3000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from dangan.access.sensitive import TermMatcher, scan

FILLER = "关于做好全省扶贫开发工作的通知各市州人民政府省直各部门为认真贯彻落实会议精神现将有关事项通知如下"
PIECES = (
    "村民王小明患有肺结核",
    "身份证号520102198503151238",
    "联系电话13812345678",
    "机密★10年",
    "张某某系低保户",
    "三线建设工程",
    "建档立卡贫困户李四",
)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def unit_text(rng: random.Random, chars: int) -> dict[str, str]:
    parts: list[str] = []
    size = 0
    while size < chars:
        if rng.random() < 0.05:
            piece = rng.choice(PIECES)
        else:
            start = rng.randrange(len(FILLER) - 20)
            piece = FILLER[start : start + rng.randrange(8, 20)] + "，"
        parts.append(piece)
        size += len(piece)
    text = "".join(parts)
    return {"title": "关于" + text[:30] + "的报告", "notes": text[30:120], "fulltext": text}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--chars", type=int, default=3_000)
    args = parser.parse_args()
    rng = random.Random(15)
    units = [unit_text(rng, args.chars) for _ in range(args.units)]
    terms = TermMatcher(["三线建设", *(f"关注词{n}" for n in range(49))])
    rows = []
    for count in (args.units // 4, args.units // 2, args.units):
        chars = sum(len(t) for u in units[:count] for t in u.values())
        started = time.perf_counter()
        marks = sum(len(scan(u, terms)) for u in units[:count])
        seconds = time.perf_counter() - started
        rows.append((count, chars, marks, seconds, seconds / chars * 1e9))
    print("| units | characters | marks | seconds | ns / character | ms / unit |")
    print("|---:|---:|---:|---:|---:|---:|")
    for count, chars, marks, seconds, per_char in rows:
        print(f"| {count:,} | {chars:,} | {marks:,} | {seconds:.2f} | {per_char:.0f} | {seconds / count * 1000:.2f} |")
    ratio = rows[-1][4] / rows[0][4]
    verdict = "PASS" if ratio <= 1.3 else "FAIL"
    print(f"\nlinear: time per character at {rows[-1][0]:,} units / at {rows[0][0]:,} units = {ratio:.2f} ({verdict})")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
