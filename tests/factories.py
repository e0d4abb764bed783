from __future__ import annotations

import factory

from mealbuddy.accounts.models import User
from mealbuddy.regions.models import Region

DEFAULT_PASSWORD = "맛있는-저녁-2024"


def _region(code: str = "11440120") -> Region:
    return Region.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"neighbour{n}@example.com")
    username = factory.Sequence(lambda n: f"이웃{n}")
    region = factory.LazyFunction(_region)
    address = factory.LazyAttribute(lambda o: o.region.full_name)
    lat = factory.LazyAttribute(lambda o: o.region.lat)
    lon = factory.LazyAttribute(lambda o: o.region.lon)
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()
