import time

import pytest
from django.core.cache import cache

from mealbuddy.recommend.weather import weather_at
from tests.recommend.fakes import (
    CLEAR,
    JSON,
    KMA_GATEWAY_BAD_KEY,
    OPEN_METEO_BAD_REQUEST,
    RAIN,
    SNOW,
    XML,
    FakeServer,
    kma_body,
    kma_error,
    open_meteo_body,
)

JONGNO = (37.5735, 126.9790)


@pytest.fixture
def kma(settings):
    state = {"mode": "clear", "delay": 0}

    def respond(method, path, query, body):
        assert path == "/1360000/VilageFcstInfoService_2.0/getVilageFcst"
        mode = state["mode"]
        if mode == "badkey":
            return 200, XML, KMA_GATEWAY_BAD_KEY, 0
        if mode == "nodata":
            return 200, JSON, kma_error("03", "NO_DATA"), 0
        if mode == "malformed":
            return 200, JSON, '{"response": {"header": {"resultCode": "00"', 0
        if mode == "server_error":
            return 500, "text/html", "<html>Internal Server Error</html>", 0
        values = {"clear": CLEAR, "rain": RAIN, "snow": SNOW}[mode]
        return 200, JSON, kma_body(query, values), state["delay"]

    with FakeServer(respond) as server:
        server.state = state
        settings.WEATHER_PROVIDERS = ["kma"]
        settings.KMA_SERVICE_KEY = "test-key+/=="
        settings.KMA_BASE_URL = f"{server.url}/1360000/VilageFcstInfoService_2.0"
        yield server


def test_kma_clear_reads_the_current_hour(kma):
    weather = weather_at(lat=JONGNO[0], lon=JONGNO[1])
    assert weather.provider == "kma"
    assert weather.as_contract() == {
        "강수형태": "없음",
        "날씨": "맑음",
        "강수량": "강수없음",
        "기온": "3℃",
        "습도": "60%",
        "풍속": "2.1m/s",
    }
    query = kma.requests[0]["query"]
    assert (query["nx"], query["ny"]) == ("60", "127")
    assert query["dataType"] == "JSON"
    assert query["serviceKey"] == "test-key+/=="
    assert len(query["base_date"]) == 8 and query["base_time"].endswith("00")


def test_kma_rain(kma):
    kma.state["mode"] = "rain"
    weather = weather_at(lat=JONGNO[0], lon=JONGNO[1])
    assert weather.is_raining and not weather.is_snowing
    assert weather.as_contract()["강수형태"] == "비"
    assert weather.as_contract()["강수량"] == "6.0mm"
    assert weather.as_contract()["날씨"] == "흐림"
    assert weather.pop == 90


def test_kma_snow(kma):
    kma.state["mode"] = "snow"
    weather = weather_at(lat=JONGNO[0], lon=JONGNO[1])
    assert weather.is_snowing
    assert weather.as_contract()["강수형태"] == "눈"
    assert weather.as_contract()["강수량"] == "1mm 미만"
    assert weather.as_contract()["기온"] == "-2℃"
    assert weather.temperature_band == "freezing"


@pytest.mark.parametrize("mode", ["badkey", "nodata", "malformed", "server_error"])
def test_kma_failures_give_none_and_are_remembered(kma, mode):
    kma.state["mode"] = mode
    assert weather_at(lat=JONGNO[0], lon=JONGNO[1]) is None
    assert kma.count == 1
    # Not retried for a minute, even for another cell.
    assert weather_at(lat=35.1798, lon=129.0750) is None
    assert kma.count == 1


def test_kma_slow_times_out(kma, settings):
    settings.WEATHER_TIMEOUT = 0.3
    kma.state["delay"] = 1.5
    started = time.monotonic()
    assert weather_at(lat=JONGNO[0], lon=JONGNO[1]) is None
    assert time.monotonic() - started < 1.2


def test_kma_without_a_key_is_skipped(kma, settings):
    settings.KMA_SERVICE_KEY = ""
    assert weather_at(lat=JONGNO[0], lon=JONGNO[1]) is None
    assert kma.count == 0


def test_open_meteo_clear(open_meteo):
    weather = weather_at(lat=JONGNO[0], lon=JONGNO[1])
    assert weather.provider == "openmeteo"
    assert weather.as_contract() == {
        "강수형태": "없음",
        "날씨": "맑음",
        "강수량": "강수없음",
        "기온": "3.2℃",
        "습도": "60%",
        "풍속": "2.1m/s",
    }
    assert weather.pop == 10
    query = open_meteo.requests[0]["query"]
    assert query["wind_speed_unit"] == "ms"
    assert "weather_code" in query["current"]
    assert query["timezone"] == "Asia/Seoul"


@pytest.mark.parametrize(
    ("code", "mm", "kind", "label"),
    [
        (63, 4.2, "rain", "비"),
        (81, 2.0, "shower", "소나기"),
        (73, 0.4, "snow", "눈"),
        (67, 1.5, "rain_snow", "비/눈"),
        (95, 8.0, "rain", "비"),
    ],
)
def test_open_meteo_wmo_codes(open_meteo, code, mm, kind, label):
    open_meteo.state["body"] = open_meteo_body(code=code, precipitation=mm, temperature=1.0)
    weather = weather_at(lat=JONGNO[0], lon=JONGNO[1])
    assert weather.precipitation == kind
    assert weather.as_contract()["강수형태"] == label
    assert weather.as_contract()["날씨"] == "흐림"
    expected = "1mm 미만" if mm < 1 else f"{mm:.1f}mm"
    assert weather.as_contract()["강수량"] == expected


def test_open_meteo_error_status(open_meteo):
    open_meteo.state.update(status=400, body=OPEN_METEO_BAD_REQUEST)
    assert weather_at(lat=JONGNO[0], lon=JONGNO[1]) is None


@pytest.mark.parametrize("body", ["<html>502 Bad Gateway</html>", {"latitude": 37.5}, "{"])
def test_open_meteo_malformed(open_meteo, body):
    open_meteo.state["body"] = body
    assert weather_at(lat=JONGNO[0], lon=JONGNO[1]) is None


def test_open_meteo_slow_times_out(open_meteo, settings):
    settings.WEATHER_TIMEOUT = 0.3
    open_meteo.state["delay"] = 1.5
    started = time.monotonic()
    assert weather_at(lat=JONGNO[0], lon=JONGNO[1]) is None
    assert time.monotonic() - started < 1.2


def test_one_call_per_cell_and_hour(open_meteo):
    # Many neighbours in the same 5 km cell: one provider request.
    points = [(37.5735, 126.9790), (37.5740, 126.9800), (37.5720, 126.9770)] * 10
    for lat, lon in points:
        assert weather_at(lat=lat, lon=lon).temperature == 3.2
    assert open_meteo.count == 1
    # Another cell is another request.
    weather_at(lat=35.1798, lon=129.0750)
    assert open_meteo.count == 2


def test_concurrent_neighbours_share_one_request(open_meteo):
    from concurrent.futures import ThreadPoolExecutor

    open_meteo.state["delay"] = 0.3
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: weather_at(lat=JONGNO[0], lon=JONGNO[1]), range(8)))
    assert all(r is not None and r.temperature == 3.2 for r in results)
    assert open_meteo.count == 1


def test_failing_provider_not_retried_for_a_minute(open_meteo):
    open_meteo.state["status"] = 500
    open_meteo.state["body"] = {"error": True, "reason": "down"}
    assert weather_at(lat=JONGNO[0], lon=JONGNO[1]) is None
    open_meteo.state["status"] = 200
    open_meteo.state["body"] = open_meteo_body()
    assert weather_at(lat=JONGNO[0], lon=JONGNO[1]) is None
    assert open_meteo.count == 1
    # A minute later (the memory expires) it is asked again.
    cache.delete("weather:v1:down:openmeteo")
    assert weather_at(lat=JONGNO[0], lon=JONGNO[1]).temperature == 3.2
    assert open_meteo.count == 2


def test_falls_back_to_the_next_provider(kma, open_meteo, settings):
    settings.WEATHER_PROVIDERS = ["kma", "openmeteo"]
    kma.state["mode"] = "badkey"
    weather = weather_at(lat=JONGNO[0], lon=JONGNO[1])
    assert weather.provider == "openmeteo"
    assert (kma.count, open_meteo.count) == (1, 1)


def test_nothing_reachable_is_fast(settings):
    settings.WEATHER_PROVIDERS = ["openmeteo"]
    settings.OPEN_METEO_URL = "http://127.0.0.1:9/v1/forecast"  # discard port: refused
    started = time.monotonic()
    assert weather_at(lat=JONGNO[0], lon=JONGNO[1]) is None
    assert weather_at(lat=JONGNO[0], lon=JONGNO[1]) is None
    assert time.monotonic() - started < 1.0


def test_outside_the_forecast_grid(open_meteo):
    assert weather_at(lat=-33.86, lon=151.2) is None
    assert open_meteo.count == 0


def test_a_trickling_provider_is_cut_off_at_the_deadline(settings):
    """A body sent a byte at a time never trips httpx's per-read timeout; the deadline does."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Trickle(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(40):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    try:
        settings.WEATHER_PROVIDERS = ["openmeteo"]
        settings.OPEN_METEO_URL = f"http://127.0.0.1:{server.server_address[1]}/v1/forecast"
        settings.WEATHER_TIMEOUT = 0.5
        started = time.monotonic()
        assert weather_at(lat=JONGNO[0], lon=JONGNO[1]) is None
        assert time.monotonic() - started < 1.0
        assert cache.get("weather:v1:down:openmeteo")
    finally:
        server.shutdown()
        server.server_close()
