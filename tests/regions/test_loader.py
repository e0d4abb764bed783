import pytest

from mealbuddy.regions.loader import regions_load
from mealbuddy.regions.models import Region

pytestmark = pytest.mark.django_db


def test_loading_again_creates_nothing_and_keeps_the_rows(seogyo):
    count = Region.objects.count()
    links = Region.neighbours.through.objects.count()
    assert regions_load() == 0
    assert Region.objects.count() == count
    assert Region.neighbours.through.objects.count() == links
    assert Region.objects.get(code=seogyo.code).pk == seogyo.pk


def test_every_level_is_loaded_with_parents():
    assert Region.objects.filter(level="sido").count() == 17
    emd = Region.objects.filter(level="emd")
    assert emd.count() > 5000
    assert not emd.filter(parent__isnull=True).exists()
    dong = Region.objects.select_related("parent__parent").get(code="41135103")
    assert dong.parent.full_name == "경기도 성남시 분당구"
    assert dong.parent.parent.name == "경기도"


def test_names_are_the_ones_people_write_today():
    assert Region.objects.get(code="41285").full_name == "경기도 고양시 일산동구"
    assert Region.objects.get(code="11290").name == "성북구"
    assert Region.objects.get(code="28170").name == "미추홀구"
    assert Region.objects.get(code="45").name == "전북특별자치도"
    assert Region.objects.get(code="42").name == "강원특별자치도"
    assert Region.objects.filter(level="emd", sigungu="").count() == 0


def test_loading_repairs_names_from_an_older_load():
    Region.objects.filter(code="11290").update(
        name="서울시성북구", full_name="서울특별시 서울시성북구"
    )
    regions_load()
    assert Region.objects.get(code="11290").full_name == "서울특별시 성북구"
