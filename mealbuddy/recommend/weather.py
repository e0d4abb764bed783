"""Current weather for a point, from the providers named in ``settings.WEATHER_PROVIDERS``.

Two providers speak their real wire formats: the 기상청 village forecast (단기예보, needs
``KMA_SERVICE_KEY``) and Open-Meteo (keyless). Answers are cached per 기상청 grid cell and
KST hour, so every neighbour in a 5 km cell costs one provider call an hour. A provider that
fails is not asked again for ``PROVIDER_DOWN_SECONDS``; when none answers, callers get
``None`` and show "날씨 정보를 불러올 수 없어요" — quickly, because the whole lookup has one
deadline (``TOTAL_BUDGET_SECONDS``) shared by every provider tried.
"""

from __future__ import annotations

import logging
import re
import time
import xml.etree.ElementTree as ET  # noqa: N817
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from mealbuddy.recommend.grid import grid_in_domain, latlon_to_grid

logger = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = "날씨 정보를 불러올 수 없어요"
PROVIDER_DOWN_SECONDS = 60
# One deadline for the whole lookup, so the API answers within 4 s even with two providers.
TOTAL_BUDGET_SECONDS = 3.5
CACHE_SECONDS = 60 * 60
CACHE_VERSION = "v1"

# Korea, generously: the village forecast grid covers it and nothing else matters here.
LAT_RANGE = (32.5, 39.5)
LON_RANGE = (124.0, 132.0)

PRECIPITATION_LABELS = {
    "none": "없음",
    "rain": "비",
    "rain_snow": "비/눈",
    "snow": "눈",
    "shower": "소나기",
}
SKY_LABELS = {"clear": "맑음", "partly_cloudy": "구름많음", "cloudy": "흐림"}


class WeatherError(Exception):
    """A provider did not give a usable answer (network, status, error envelope, body)."""


@dataclass(frozen=True)
class Weather:
    provider: str
    temperature: float  # ℃
    humidity: int  # %
    wind_speed: float  # m/s
    precipitation: str  # a key of PRECIPITATION_LABELS
    sky: str  # a key of SKY_LABELS
    precipitation_mm: float  # this hour; 0 when none
    precipitation_text: str  # as the 기상청 writes it: "강수없음", "1mm 미만", "1.0mm"
    pop: int | None  # 강수확률 %

    @property
    def is_raining(self) -> bool:
        return self.precipitation in ("rain", "shower", "rain_snow")

    @property
    def is_snowing(self) -> bool:
        return self.precipitation in ("snow", "rain_snow")

    @property
    def temperature_band(self) -> str:
        """ "freezing" < 0 ≤ "cold" < 10 ≤ "mild" < 24 ≤ "warm" < 28 ≤ "hot"."""
        t = self.temperature
        if t < 0:
            return "freezing"
        if t < 10:
            return "cold"
        if t < 24:
            return "mild"
        if t < 28:
            return "warm"
        return "hot"

    @property
    def summary(self) -> str:
        """ "비 · 3℃" / "맑음 · 24℃" — a short line for cards."""
        head = (
            PRECIPITATION_LABELS[self.precipitation]
            if self.precipitation != "none"
            else SKY_LABELS[self.sky]
        )
        return f"{head} · {format_number(self.temperature)}℃"

    def as_contract(self) -> dict[str, str]:
        """The original client's shape: Korean keys, display strings."""
        return {
            "강수형태": PRECIPITATION_LABELS[self.precipitation],
            "날씨": SKY_LABELS[self.sky],
            "강수량": self.precipitation_text,
            "기온": f"{format_number(self.temperature)}℃",
            "습도": f"{self.humidity}%",
            "풍속": f"{format_number(self.wind_speed)}m/s",
        }

    def as_dict(self) -> dict:
        return asdict(self)


def format_number(value: float) -> str:
    """3.0 → "3", 2.14 → "2.1": one decimal, none when whole."""
    rounded = round(float(value), 1)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.1f}"


def precipitation_text_from_mm(mm: float) -> str:
    if mm <= 0:
        return "강수없음"
    if mm < 1:
        return "1mm 미만"
    return f"{mm:.1f}mm"


def coordinates_valid(lat: float, lon: float) -> bool:
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]


def kst_now() -> datetime:
    return timezone.localtime(timezone.now(), timezone.get_fixed_timezone(9 * 60))


# --- 기상청 village forecast -----------------------------------------------------------

KMA_ISSUE_HOURS = (2, 5, 8, 11, 14, 17, 20, 23)
# A forecast issued at HH:00 is served from about HH:10.
KMA_PUBLISH_DELAY = timedelta(minutes=10)
KMA_PTY = {"0": "none", "1": "rain", "2": "rain_snow", "3": "snow", "4": "shower"}
# 초단기 codes (빗방울, 빗방울눈날림, 눈날림), in case a proxy mixes them in.
KMA_PTY.update({"5": "rain", "6": "rain_snow", "7": "snow"})
KMA_SKY = {"1": "clear", "3": "partly_cloudy", "4": "cloudy"}


def kma_base_time(now: datetime) -> tuple[str, str]:
    """The latest issued forecast usable at ``now`` (KST): ("YYYYMMDD", "HHMM").

    Before 02:10 the latest one is the previous day's 23:00 issue.
    """
    now = timezone.localtime(now, timezone.get_fixed_timezone(9 * 60))
    usable = now - KMA_PUBLISH_DELAY
    hour = max((h for h in KMA_ISSUE_HOURS if h <= usable.hour), default=None)
    if hour is None:
        base = (usable - timedelta(days=1)).replace(hour=23)
    else:
        base = usable.replace(hour=hour)
    return base.strftime("%Y%m%d"), base.strftime("%H00")


def _kma_pcp_mm(text: str) -> float:
    text = text.strip()
    if text in ("", "강수없음", "0", "0.0", "-"):
        return 0.0
    if "미만" in text:
        return 0.5
    match = re.search(r"(\d+(?:\.\d+)?)", text)
    if not match:
        raise WeatherError(f"unreadable PCP {text!r}")
    return float(match.group(1))


def _gateway_error(body: str) -> str:
    """The data.go.kr gateway answers bad keys with XML whatever dataType was asked."""
    try:
        root = ET.fromstring(body)  # noqa: S314 - a fixed small document from the gateway
    except ET.ParseError:
        return "unparseable XML"
    auth = root.findtext(".//returnAuthMsg") or root.findtext(".//resultMsg") or ""
    code = root.findtext(".//returnReasonCode") or root.findtext(".//resultCode") or ""
    return f"{code} {auth}".strip() or "XML error"


def kma_parse(payload: dict, *, now: datetime) -> Weather:
    try:
        response = payload["response"]
        header = response["header"]
    except (KeyError, TypeError) as exc:
        raise WeatherError("no response header") from exc
    if str(header.get("resultCode")) != "00":
        raise WeatherError(f"KMA {header.get('resultCode')} {header.get('resultMsg')}")
    try:
        items = response["body"]["items"]["item"]
    except (KeyError, TypeError) as exc:
        raise WeatherError("no items") from exc
    if not isinstance(items, list) or not items:
        raise WeatherError("empty items")
    slots: dict[str, dict[str, str]] = {}
    for item in items:
        try:
            slot = f"{item['fcstDate']}{item['fcstTime']}"
            slots.setdefault(slot, {})[item["category"]] = str(item["fcstValue"])
        except (KeyError, TypeError) as exc:
            raise WeatherError("malformed item") from exc
    now = timezone.localtime(now, timezone.get_fixed_timezone(9 * 60))
    this_hour = now.strftime("%Y%m%d%H00")
    # The current hour if forecast, else the first hour after it, else the last one given.
    ordered = sorted(slots)
    slot = next((s for s in ordered if s >= this_hour), ordered[-1])
    values = slots[slot]
    try:
        precipitation = KMA_PTY[values["PTY"]]
        sky = KMA_SKY[values["SKY"]]
        temperature = float(values["TMP"])
        humidity = int(float(values["REH"]))
        wind = float(values["WSD"])
        pop = int(float(values["POP"])) if "POP" in values else None
    except (KeyError, ValueError) as exc:
        raise WeatherError(f"missing or bad value in slot {slot}: {exc}") from exc
    pcp_text = values.get("PCP", "강수없음")
    mm = _kma_pcp_mm(pcp_text)
    return Weather(
        provider="kma",
        temperature=temperature,
        humidity=humidity,
        wind_speed=wind,
        precipitation=precipitation,
        sky=sky,
        precipitation_mm=mm,
        precipitation_text="강수없음" if mm == 0 else pcp_text,
        pop=pop,
    )


class KmaProvider:
    name = "kma"

    def configured(self) -> bool:
        return bool(settings.KMA_SERVICE_KEY)

    def fetch(self, *, lat: float, lon: float, now: datetime, timeout: float) -> Weather:
        nx, ny = latlon_to_grid(lat, lon)
        base_date, base_time = kma_base_time(now)
        params = {
            "serviceKey": settings.KMA_SERVICE_KEY,
            "pageNo": 1,
            "numOfRows": 100,
            "dataType": "JSON",
            "base_date": base_date,
            "base_time": base_time,
            "nx": nx,
            "ny": ny,
        }
        url = settings.KMA_BASE_URL.rstrip("/") + "/getVilageFcst"
        response = _get(url, params=params, timeout=timeout)
        text = response.text.lstrip()
        if text.startswith("<"):
            raise WeatherError(f"KMA gateway: {_gateway_error(text)}")
        if response.status_code != 200:
            raise WeatherError(f"KMA HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError as exc:
            raise WeatherError("KMA body is not JSON") from exc
        return kma_parse(payload, now=now)


# --- Open-Meteo ------------------------------------------------------------------------

OPEN_METEO_CURRENT = (
    "temperature_2m,relative_humidity_2m,precipitation,rain,showers,snowfall,"
    "weather_code,cloud_cover,wind_speed_10m"
)


def wmo_precipitation(code: int) -> str:
    """WMO 4677 weather code → precipitation kind."""
    if code in (56, 57, 66, 67):  # freezing drizzle / rain
        return "rain_snow"
    if 51 <= code <= 67:
        return "rain"
    if 71 <= code <= 77 or code in (85, 86):
        return "snow"
    if 80 <= code <= 82:
        return "shower"
    if code >= 95:
        return "rain"
    return "none"


def wmo_sky(code: int) -> str:
    if code in (0, 1):
        return "clear"
    if code == 2:
        return "partly_cloudy"
    return "cloudy"


def open_meteo_parse(payload: dict) -> Weather:
    if not isinstance(payload, dict):
        raise WeatherError("Open-Meteo body is not an object")
    if payload.get("error"):
        raise WeatherError(f"Open-Meteo error: {payload.get('reason')}")
    current = payload.get("current")
    if not isinstance(current, dict):
        raise WeatherError("Open-Meteo: no current block")
    try:
        code = int(current["weather_code"])
        temperature = float(current["temperature_2m"])
        humidity = int(round(float(current["relative_humidity_2m"])))
        wind = float(current["wind_speed_10m"])
        mm = float(current.get("precipitation") or 0.0)
    except (KeyError, TypeError, ValueError) as exc:
        raise WeatherError(f"Open-Meteo: bad current block: {exc}") from exc
    if (payload.get("current_units") or {}).get("wind_speed_10m") == "km/h":
        wind = wind / 3.6
    pop = None
    hourly = payload.get("hourly")
    if isinstance(hourly, dict) and isinstance(current.get("time"), str):
        hour = current["time"][:13] + ":00"
        times = hourly.get("time") or []
        probabilities = hourly.get("precipitation_probability") or []
        if hour in times:
            index = times.index(hour)
            if index < len(probabilities) and probabilities[index] is not None:
                pop = int(probabilities[index])
    precipitation = wmo_precipitation(code)
    return Weather(
        provider="openmeteo",
        temperature=temperature,
        humidity=humidity,
        wind_speed=round(wind, 1),
        precipitation=precipitation,
        sky=wmo_sky(code),
        precipitation_mm=mm,
        precipitation_text=precipitation_text_from_mm(mm),
        pop=pop,
    )


class OpenMeteoProvider:
    name = "openmeteo"

    def configured(self) -> bool:
        return bool(settings.OPEN_METEO_URL)

    def fetch(self, *, lat: float, lon: float, now: datetime, timeout: float) -> Weather:
        params = {
            "latitude": f"{lat:.4f}",
            "longitude": f"{lon:.4f}",
            "current": OPEN_METEO_CURRENT,
            "hourly": "precipitation_probability",
            "wind_speed_unit": "ms",
            "timezone": "Asia/Seoul",
            "forecast_days": 1,
        }
        response = _get(settings.OPEN_METEO_URL, params=params, timeout=timeout)
        try:
            payload = response.json()
        except ValueError as exc:
            raise WeatherError(f"Open-Meteo HTTP {response.status_code}, body not JSON") from exc
        if response.status_code != 200:
            reason = payload.get("reason") if isinstance(payload, dict) else None
            raise WeatherError(f"Open-Meteo HTTP {response.status_code}: {reason}")
        return open_meteo_parse(payload)


PROVIDERS = {"kma": KmaProvider(), "openmeteo": OpenMeteoProvider()}
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="weather")


def _get(url: str, *, params: dict, timeout: float) -> httpx.Response:
    try:
        return httpx.get(url, params=params, timeout=httpx.Timeout(timeout), trust_env=False)
    except httpx.HTTPError as exc:
        raise WeatherError(f"{exc.__class__.__name__}: {exc}") from exc


# --- The cached lookup -----------------------------------------------------------------


def _cell_key(lat: float, lon: float, now: datetime) -> str:
    nx, ny = latlon_to_grid(lat, lon)
    return f"weather:{CACHE_VERSION}:{nx}:{ny}:{now.strftime('%Y%m%d%H')}"


def _down_key(name: str) -> str:
    return f"weather:{CACHE_VERSION}:down:{name}"


def _active_providers() -> list:
    providers = []
    for name in settings.WEATHER_PROVIDERS:
        provider = PROVIDERS.get(name.strip().lower())
        if provider is not None and provider.configured():
            providers.append(provider)
    return providers


def _fetch_from_providers(*, lat: float, lon: float, now: datetime) -> Weather | None:
    deadline = time.monotonic() + TOTAL_BUDGET_SECONDS
    for provider in _active_providers():
        if cache.get(_down_key(provider.name)):
            continue
        remaining = deadline - time.monotonic()
        if remaining < 0.2:
            break
        timeout = min(settings.WEATHER_TIMEOUT, remaining)
        # httpx's timeouts do not cover name resolution, which can hang on a machine with
        # no network; the hard deadline of the future does.
        future = _pool.submit(provider.fetch, lat=lat, lon=lon, now=now, timeout=timeout)
        try:
            return future.result(timeout=timeout + 0.1)
        except FuturesTimeout:
            logger.warning("weather provider %s: no answer in %.1f s", provider.name, timeout)
            cache.set(_down_key(provider.name), 1, PROVIDER_DOWN_SECONDS)
        except WeatherError as exc:
            logger.warning("weather provider %s failed: %s", provider.name, exc)
            cache.set(_down_key(provider.name), 1, PROVIDER_DOWN_SECONDS)
    return None


def weather_at(*, lat: float, lon: float, now: datetime | None = None) -> Weather | None:
    """The weather now at a point in Korea, or None when no provider can say."""
    now = kst_now() if now is None else timezone.localtime(now)
    nx, ny = latlon_to_grid(lat, lon)
    if not grid_in_domain(nx, ny):
        return None
    key = _cell_key(lat, lon, now)
    cached = cache.get(key)
    if cached is not None:
        return Weather(**cached)
    if not any(not cache.get(_down_key(p.name)) for p in _active_providers()):
        return None
    # One request per cell and hour: whoever takes the lock asks; the others wait for it.
    lock = f"{key}:lock"
    if not cache.add(lock, 1, int(TOTAL_BUDGET_SECONDS) + 2):
        waited_until = time.monotonic() + TOTAL_BUDGET_SECONDS
        while time.monotonic() < waited_until:
            time.sleep(0.05)
            cached = cache.get(key)
            if cached is not None:
                return Weather(**cached)
            if cache.get(lock) is None:
                break
        cached = cache.get(key)
        return Weather(**cached) if cached is not None else None
    try:
        weather = _fetch_from_providers(lat=lat, lon=lon, now=now)
        if weather is not None:
            cache.set(key, weather.as_dict(), CACHE_SECONDS)
        return weather
    finally:
        cache.delete(lock)
