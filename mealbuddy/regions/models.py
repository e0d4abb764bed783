from __future__ import annotations

from django.db import models


class Region(models.Model):
    """A Korean administrative region (법정동 code), from 시도 down to 읍면동."""

    class Level(models.TextChoices):
        SIDO = "sido", "시도"
        SIGUNGU = "sigungu", "시군구"
        EMD = "emd", "읍면동"

    code = models.CharField("법정동 코드", max_length=10, unique=True)
    level = models.CharField(max_length=8, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    sido = models.CharField(max_length=20)
    sigungu = models.CharField(max_length=30, blank=True)
    name = models.CharField("이름", max_length=30, db_index=True)
    full_name = models.CharField("전체 이름", max_length=80)
    # Representative point inside the region (WGS84), used for distance and weather.
    lat = models.FloatField()
    lon = models.FloatField()
    neighbours = models.ManyToManyField("self", symmetrical=True, blank=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "name"])]

    def __str__(self) -> str:
        return self.full_name
