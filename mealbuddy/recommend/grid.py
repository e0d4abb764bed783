"""Latitude/longitude → the 기상청 village-forecast grid (Lambert conformal conic).

The constants are the 기상청's own: a 5 km grid on a sphere of radius 6371.00877 km,
standard parallels 30°N and 60°N, origin 38°N 126°E at grid point (43, 136).
"""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.00877
GRID_KM = 5.0
STANDARD_LAT_1 = 30.0
STANDARD_LAT_2 = 60.0
ORIGIN_LON = 126.0
ORIGIN_LAT = 38.0
ORIGIN_X = 43
ORIGIN_Y = 136
# The forecast domain: grid points outside it have no forecast.
GRID_MAX_X = 149
GRID_MAX_Y = 253

_DEG = math.pi / 180.0
_re = EARTH_RADIUS_KM / GRID_KM
_slat1 = STANDARD_LAT_1 * _DEG
_slat2 = STANDARD_LAT_2 * _DEG
_olon = ORIGIN_LON * _DEG
_olat = ORIGIN_LAT * _DEG
_sn = math.log(math.cos(_slat1) / math.cos(_slat2)) / math.log(
    math.tan(math.pi * 0.25 + _slat2 * 0.5) / math.tan(math.pi * 0.25 + _slat1 * 0.5)
)
_sf = math.pow(math.tan(math.pi * 0.25 + _slat1 * 0.5), _sn) * math.cos(_slat1) / _sn
_ro = _re * _sf / math.pow(math.tan(math.pi * 0.25 + _olat * 0.5), _sn)


def latlon_to_grid(lat: float, lon: float) -> tuple[int, int]:
    """The (nx, ny) grid cell containing the point."""
    ra = _re * _sf / math.pow(math.tan(math.pi * 0.25 + lat * _DEG * 0.5), _sn)
    theta = lon * _DEG - _olon
    if theta > math.pi:
        theta -= 2.0 * math.pi
    if theta < -math.pi:
        theta += 2.0 * math.pi
    theta *= _sn
    x = math.floor(ra * math.sin(theta) + ORIGIN_X + 0.5)
    y = math.floor(_ro - ra * math.cos(theta) + ORIGIN_Y + 0.5)
    return x, y


def grid_in_domain(nx: int, ny: int) -> bool:
    return 1 <= nx <= GRID_MAX_X and 1 <= ny <= GRID_MAX_Y
