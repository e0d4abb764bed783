"""Real HTTP servers on 127.0.0.1 that speak the providers' wire formats.

``FakeServer(respond)`` runs ``http.server`` in a thread; ``respond(method, path, query,
body)`` returns ``(status, content_type, body, delay_seconds)``. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeServer:
    def __init__(self, respond):
        self.respond = respond
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with fake._lock:
                    fake.requests.append(
                        {
                            "method": method,
                            "path": parts.path,
                            "query": query,
                            "body": body,
                            "headers": dict(self.headers),
                        }
                    )
                status, content_type, payload, delay = fake.respond(method, parts.path, query, body)
                if delay:
                    time.sleep(delay)
                if isinstance(payload, (dict, list)):
                    payload = json.dumps(payload, ensure_ascii=False)
                if isinstance(payload, str):
                    payload = payload.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):  # noqa: N802
                self._serve("GET")

            def do_POST(self):  # noqa: N802
                self._serve("POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)


JSON = "application/json;charset=UTF-8"
XML = "text/xml;charset=UTF-8"

# --- 기상청 village forecast --------------------------------------------------------------

KMA_GATEWAY_BAD_KEY = """<OpenAPI_ServiceResponse>
	<cmmMsgHeader>
		<errMsg>SERVICE ERROR</errMsg>
		<returnAuthMsg>SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg>
		<returnReasonCode>30</returnReasonCode>
	</cmmMsgHeader>
</OpenAPI_ServiceResponse>"""

CLEAR = {
    "TMP": "3",
    "SKY": "1",
    "PTY": "0",
    "REH": "60",
    "WSD": "2.1",
    "PCP": "강수없음",
    "POP": "10",
}
RAIN = {"TMP": "4", "SKY": "4", "PTY": "1", "REH": "95", "WSD": "3.4", "PCP": "6.0mm", "POP": "90"}
SNOW = {
    "TMP": "-2",
    "SKY": "4",
    "PTY": "3",
    "REH": "85",
    "WSD": "1.2",
    "PCP": "1mm 미만",
    "POP": "70",
}


def kma_items(query: dict, values: dict, *, hours: int = 6) -> list[dict]:
    base = datetime.strptime(query["base_date"] + query["base_time"], "%Y%m%d%H%M")
    items = []
    for step in range(1, hours + 1):
        at = base + timedelta(hours=step)
        full = {"UUU": "-1.2", "VVV": "0.8", "VEC": "300", "WAV": "0", "SNO": "적설없음", **values}
        for category, value in full.items():
            items.append(
                {
                    "baseDate": query["base_date"],
                    "baseTime": query["base_time"],
                    "category": category,
                    "fcstDate": at.strftime("%Y%m%d"),
                    "fcstTime": at.strftime("%H00"),
                    "fcstValue": value,
                    "nx": int(query["nx"]),
                    "ny": int(query["ny"]),
                }
            )
    return items


def kma_body(query: dict, values: dict) -> dict:
    items = kma_items(query, values)
    return {
        "response": {
            "header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
            "body": {
                "dataType": "JSON",
                "items": {"item": items},
                "pageNo": 1,
                "numOfRows": int(query.get("numOfRows", 100)),
                "totalCount": 809,
            },
        }
    }


def kma_error(code: str = "03", message: str = "NO_DATA") -> dict:
    return {"response": {"header": {"resultCode": code, "resultMsg": message}}}


# --- Open-Meteo ----------------------------------------------------------------------------


def open_meteo_body(
    *, temperature=3.2, humidity=60, code=1, precipitation=0.0, wind=2.1, pop=10, now=None
) -> dict:
    now = now or datetime.now()
    hours = [f"{now:%Y-%m-%d}T{h:02d}:00" for h in range(24)]
    return {
        "latitude": 37.55,
        "longitude": 126.92,
        "generationtime_ms": 0.07,
        "utc_offset_seconds": 32400,
        "timezone": "Asia/Seoul",
        "timezone_abbreviation": "GMT+9",
        "elevation": 21.0,
        "current_units": {
            "time": "iso8601",
            "interval": "seconds",
            "temperature_2m": "°C",
            "relative_humidity_2m": "%",
            "precipitation": "mm",
            "rain": "mm",
            "showers": "mm",
            "snowfall": "cm",
            "weather_code": "wmo code",
            "cloud_cover": "%",
            "wind_speed_10m": "m/s",
        },
        "current": {
            "time": f"{now:%Y-%m-%dT%H}:{now.minute // 15 * 15:02d}",
            "interval": 900,
            "temperature_2m": temperature,
            "relative_humidity_2m": humidity,
            "precipitation": precipitation,
            "rain": precipitation,
            "showers": 0.0,
            "snowfall": 0.0,
            "weather_code": code,
            "cloud_cover": 40,
            "wind_speed_10m": wind,
        },
        "hourly_units": {"time": "iso8601", "precipitation_probability": "%"},
        "hourly": {"time": hours, "precipitation_probability": [pop] * 24},
    }


OPEN_METEO_BAD_REQUEST = {
    "error": True,
    "reason": "Cannot initialize WeatherVariable from invalid String value tempeture_2m for key current",
}
