"""The public map of answered reports: Việt Nam's outline (``data/vietnam.json``) and the
archipelagos of Hoàng Sa and Trường Sa, with each located report as a point — an SVG
drawn on the server (no tiles, nothing fetched by the browser), the list beside it as
its text alternative."""

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

    from lienthong.feedback.models import Report

__all__ = ["MapPoint", "VietnamMap", "vietnam_map"]

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


def vietnam_map(reports: Iterable[Report]) -> VietnamMap:
    """The map with a point for each of ``reports`` that has a location in the frame."""
    points = []
    for r in reports:
        if r.latitude is None or r.longitude is None:
            continue
        lat, lon = float(Decimal(r.latitude)), float(Decimal(r.longitude))
        if WEST <= lon <= EAST and SOUTH <= lat <= NORTH:
            x, y = project(lon, lat)
            points.append(MapPoint(x, y, r.code, r.public_title))
    islands = []
    for name, dots in ARCHIPELAGOS:
        xy = [project(lon, lat) for lon, lat in dots]
        cx = sum(x for x, _y in xy) / len(xy)
        top = min(y for _x, y in xy)
        islands.append((name, xy, (round(cx, 1), round(top - 6, 1))))
    return VietnamMap(WIDTH, HEIGHT, _outline(), islands, points)
