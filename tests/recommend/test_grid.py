from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from mealbuddy.recommend.grid import latlon_to_grid
from mealbuddy.recommend.weather import kma_base_time

KST = ZoneInfo("Asia/Seoul")


@pytest.mark.parametrize(
    ("place", "lat", "lon", "grid"),
    [
        # The 기상청's published points (동네예보 격자 좌표 엑셀).
        ("서울특별시 종로구", 37.5735, 126.9790, (60, 127)),
        ("서울특별시 (시청)", 37.5635, 126.9800, (60, 127)),
        ("부산광역시 (시청)", 35.1798, 129.0750, (98, 76)),
        ("제주특별자치도 제주시", 33.4996, 126.5312, (53, 38)),
        ("대전광역시 (시청)", 36.3504, 127.3845, (67, 100)),
        ("강원특별자치도 속초시", 38.2070, 128.5918, (87, 141)),
    ],
)
def test_grid_reference_points(place, lat, lon, grid):
    assert latlon_to_grid(lat, lon) == grid, place


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Each issue time: usable from HH:10, the previous issue until then.
        ((2026, 11, 26, 2, 9), ("20261125", "2300")),
        ((2026, 11, 26, 2, 10), ("20261126", "0200")),
        ((2026, 11, 26, 5, 9), ("20261126", "0200")),
        ((2026, 11, 26, 5, 10), ("20261126", "0500")),
        ((2026, 11, 26, 8, 10), ("20261126", "0800")),
        ((2026, 11, 26, 11, 30), ("20261126", "1100")),
        ((2026, 11, 26, 14, 9), ("20261126", "1100")),
        ((2026, 11, 26, 17, 10), ("20261126", "1700")),
        ((2026, 11, 26, 20, 59), ("20261126", "2000")),
        ((2026, 11, 26, 23, 9), ("20261126", "2000")),
        ((2026, 11, 26, 23, 10), ("20261126", "2300")),
        ((2026, 11, 26, 23, 59), ("20261126", "2300")),
        # Midnight: still yesterday's 23:00 issue, across a month and a year boundary.
        ((2026, 11, 27, 0, 0), ("20261126", "2300")),
        ((2026, 12, 1, 0, 5), ("20261130", "2300")),
        ((2027, 1, 1, 1, 59), ("20261231", "2300")),
    ],
)
def test_kma_base_time(now, expected):
    assert kma_base_time(datetime(*now, tzinfo=KST)) == expected


def test_kma_base_time_reads_utc_as_kst():
    # 17:05 UTC is 02:05 KST the next day: the 02:00 issue is not out yet.
    assert kma_base_time(datetime(2026, 11, 26, 17, 5, tzinfo=ZoneInfo("UTC"))) == (
        "20261126",
        "2300",
    )
