import pytest

from mealbuddy.core.money import split_won


def test_healthz_reports_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (3000, [1, 1, 1], [1000, 1000, 1000]),
        (1000, [1, 1, 1], [334, 333, 333]),
        (1000, [0, 0], [500, 500]),
        (100, [3, 1], [75, 25]),
    ],
)
def test_split_won_adds_up(total, weights, expected):
    assert split_won(total, weights) == expected


def test_regions_loaded_once_for_the_session(seogyo, hapjeong):
    assert seogyo.full_name == "서울특별시 마포구 서교동"
    assert seogyo.neighbours.filter(pk=hapjeong.pk).exists()
