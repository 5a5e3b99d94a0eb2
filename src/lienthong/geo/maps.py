"""Maps of Việt Nam drawn on the server as SVG (no tiles, nothing fetched by the
browser): the outline (``data/vietnam.json``) and the archipelagos of Hoàng Sa and
Trường Sa, with points — answered reports, provinces, communes. The page's list or
table beside a map is its text alternative."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["MapPoint", "VietnamMap", "located", "unit_centres", "vietnam_map"]

#: The frame: longitude and latitude bounds (the mainland and both archipelagos).
WEST: Final = 101.8
EAST: Final = 117.5
SOUTH: Final = 6.0
NORTH: Final = 23.6
#: Equirectangular projection scaled for the middle latitude (≈ 15°).
_X: Final = math.cos(math.radians((NORTH + SOUTH) / 2))
WIDTH: Final = 400
HEIGHT: Final = round(WIDTH * (NORTH - SOUTH) / ((EAST - WEST) * _X))

#: Islands of the two archipelagos (approximate centres), drawn as dots and named.
ARCHIPELAGOS: Final = (
    (
        "Quần đảo Hoàng Sa (Việt Nam)",
        ((111.6, 16.5), (112.3, 16.8), (112.0, 16.2), (111.2, 15.8), (112.7, 16.1)),
    ),
    (
        "Quần đảo Trường Sa (Việt Nam)",
        ((114.3, 10.4), (114.4, 11.4), (115.8, 10.2), (113.9, 8.6), (116.0, 9.4), (112.9, 9.7)),
    ),
)


def project(lon: float, lat: float) -> tuple[float, float]:
    """(x, y) in the SVG's box."""
    x = (lon - WEST) / (EAST - WEST) * WIDTH
    y = (NORTH - lat) / (NORTH - SOUTH) * HEIGHT
    return round(x, 1), round(y, 1)


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    code: str
    title: str
    #: A class for the point's colour (a rating band), and a short label drawn beside it.
    kind: str = ""
    label: str = ""
    href: str = ""


@dataclass(frozen=True)
class VietnamMap:
    width: int
    height: int
    outline: str
    islands: list[tuple[str, list[tuple[float, float]], tuple[float, float]]]
    points: list[MapPoint]


@functools.cache
def _outline() -> str:
    data = json.loads((Path(__file__).parent / "data" / "vietnam.json").read_text())
    paths = []
    for ring in data["rings"]:
        xy = [project(lon, lat) for lon, lat in ring]
        paths.append("M" + " L".join(f"{x},{y}" for x, y in xy) + " Z")
    return " ".join(paths)


def located(
    lat: float | Decimal | None,
    lon: float | Decimal | None,
    code: str,
    title: str,
    **kw: str,
) -> MapPoint | None:
    """A point at ``lat``, ``lon`` when it is inside the frame, else None."""
    if lat is None or lon is None:
        return None
    la, lo = float(Decimal(lat)), float(Decimal(lon))
    if not (WEST <= lo <= EAST and SOUTH <= la <= NORTH):
        return None
    x, y = project(lo, la)
    return MapPoint(x, y, code, title, **kw)


@functools.cache
def unit_centres() -> dict[str, tuple[float, float]]:
    """``{official code: (lat, lon)}`` of the current provinces and communes (the
    ``vietnamadminunits`` dataset, read from the installed package)."""
    import sqlite3
    from importlib.resources import files

    path = files("vietnamadminunits") / "data" / "dataset.db"
    out: dict[str, tuple[float, float]] = {}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        for code, lat, lon, p_code, p_lat, p_lon in db.execute(
            "SELECT wardCode, wardLat, wardLon, provinceCode, provinceLat, provinceLon "
            "FROM admin_units"
        ):
            if code and lat is not None and lon is not None:
                out[str(code)] = (float(lat), float(lon))
            if p_code and p_lat is not None and p_lon is not None:
                out.setdefault(str(p_code), (float(p_lat), float(p_lon)))
    return out


def vietnam_map(points: Iterable[MapPoint | None]) -> VietnamMap:
    """The map with ``points`` (those outside the frame, None, left out)."""
    islands = []
    for name, dots in ARCHIPELAGOS:
        xy = [project(lon, lat) for lon, lat in dots]
        cx = sum(x for x, _y in xy) / len(xy)
        top = min(y for _x, y in xy)
        islands.append((name, xy, (round(cx, 1), round(top - 6, 1))))
    return VietnamMap(WIDTH, HEIGHT, _outline(), islands, [p for p in points if p is not None])
