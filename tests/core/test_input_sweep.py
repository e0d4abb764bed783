"""A property-based sweep: no input, however hostile, makes any endpoint answer 5xx.

Schema-driven, with hypothesis (no schemathesis: it would pull a second test framework into
the shared environment for what forty lines do here). Every operation of ``/api/schema/``
(the original client's contract and our own API) is called, authenticated, with hostile
path ids, query parameters and bodies built from the parameter and property names the schema
declares; the HTML pages get the same treatment for their queries and forms. Derandomized, so
both CI passes run the same examples; a failure prints the request that caused it.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 12

hostile_text = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "\ud800",
            "x\udfffy",
            "1e20",
            "9" * 30,
            "-9" * 20,
            "NaN",
            "가" * 5_000,
            "'; DROP TABLE x; --",
            "%00",
            "",
            " ",
        ]
    ),
)
hostile_int = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**63 - 1, 2**63, 10**30, 10**400]),
)
hostile_scalar = st.one_of(hostile_text, hostile_int, st.booleans(), st.none(), st.floats())
hostile_value = st.recursive(
    hostile_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
hostile_path_id = st.sampled_from(["0", "1", "2", "3", "9" * 19, "9" * 30, str(2**63)])


def _urlencoded(values: dict) -> str:
    """Percent-encoded the way a raw client can send it (lone surrogates as their bytes)."""
    return "&".join(
        f"{quote(k.encode('utf-8', 'surrogatepass'))}={quote(v.encode('utf-8', 'surrogatepass'))}"
        for k, v in values.items()
    )


def _json_text(value) -> str:
    # allow_nan writes NaN/Infinity as a broken client would; 10**400 is written as is.
    return json.dumps(value, allow_nan=True)


def _operations(schema: dict) -> list[tuple[str, str, list[str], list[str]]]:
    ops = []
    for path, item in sorted(schema["paths"].items()):
        for method, op in sorted(item.items()):
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            query = [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]
            props: set[str] = set()
            for media in op.get("requestBody", {}).get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
                props |= set(component.get("properties", {}))
            ops.append((method, path, query, sorted(props)))
    return ops


@pytest.fixture
def world():
    from tests.chat.helpers import room_with

    host, guest = UserFactory(), UserFactory()
    room = room_with(host, guest)
    return host, room


def _check(response, request_repr: str) -> None:
    assert response.status_code < 500, f"{response.status_code} for {request_repr}"


def test_no_api_operation_answers_5xx(world):
    host, _ = world
    schema_response = Client().get("/api/schema/", {"format": "json"})
    assert schema_response.status_code == 200
    schema = json.loads(schema_response.content)
    operations = _operations(schema)
    assert len(operations) > 30  # every API, not a few

    api = client_for(host)
    api.raise_request_exception = False

    @settings(
        max_examples=EXAMPLES_PER_OPERATION * len(operations),
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def sweep(data):
        method, path, query_names, props = data.draw(st.sampled_from(operations), label="op")
        url = re.sub(r"\{[^}]+\}", lambda _: data.draw(hostile_path_id), path)
        query = {name: data.draw(hostile_text) for name in query_names if data.draw(st.booleans())}
        if method == "get":
            _check(api.get(f"{url}?{_urlencoded(query)}"), f"GET {url} {query!r}")
            return
        kind = data.draw(st.sampled_from(["json", "json", "form", "raw"]), label="body kind")
        if kind == "raw":
            body = data.draw(
                st.sampled_from(
                    ["[" * 50_000 + "]" * 50_000, "{", '"\\ud800"', "null", "[]", "1e999", "\x00"]
                )
            )
            response = api.generic(method.upper(), url, body, content_type="application/json")
        elif kind == "json":
            payload = {name: data.draw(hostile_value) for name in props if data.draw(st.booleans())}
            body = _json_text(payload)
            response = api.generic(method.upper(), url, body, content_type="application/json")
        else:
            payload = {name: data.draw(hostile_text) for name in props if data.draw(st.booleans())}
            response = api.generic(
                method.upper(), url, _urlencoded(payload), "application/x-www-form-urlencoded"
            )
        _check(
            response, f"{method.upper()} {url} {kind} {body if kind != 'form' else payload!r:.300}"
        )

    sweep()


PAGES = [
    ("get", "/"),
    ("get", "/groupbuys/{id}/"),
    ("get", "/groupbuys/new/"),
    ("post", "/groupbuys/new/"),
    ("post", "/groupbuys/{id}/edit/"),
    ("post", "/groupbuys/{id}/items/"),
    ("post", "/groupbuys/{id}/status/"),
    ("post", "/groupbuys/{id}/ban/"),
    ("get", "/chats/"),
    ("get", "/chats/{id}/"),
    ("get", "/notifications/"),
    ("get", "/recommend/"),
    ("get", "/recommend/weather-card/"),
    ("post", "/recommend/panel/"),
    ("get", "/regions/search/"),
    ("get", "/regions/reverse/"),
    ("post", "/accounts/profile/"),
    ("post", "/accounts/me/"),
    ("post", "/accounts/password/"),
    ("post", "/accounts/login/"),
    ("post", "/accounts/signup/"),
]
PAGE_FIELDS = [
    "q",
    "page",
    "category",
    "status",
    "sort",
    "neighbours",
    "lat",
    "lon",
    "field",
    "part",
    "title",
    "description",
    "restaurant",
    "pickup_spot",
    "target_count",
    "min_order_amount",
    "delivery_fee",
    "deadline",
    "name",
    "unit_price",
    "quantity",
    "user_id",
    "email",
    "password",
    "username",
    "address",
    "region",
    "wish",
    "again",
    "next",
    "gender",
    "spicy_tolerance",
    "dietary_restrictions",
]


def test_no_page_answers_5xx(world):
    host, _ = world

    @settings(
        max_examples=8 * len(PAGES),
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def sweep(data):
        client = Client(raise_request_exception=False)
        client.force_login(host)
        method, path = data.draw(st.sampled_from(PAGES), label="page")
        url = path.replace("{id}", data.draw(hostile_path_id))
        fields = data.draw(st.lists(st.sampled_from(PAGE_FIELDS), max_size=6, unique=True))
        values = {name: data.draw(hostile_text) for name in fields}
        if method == "get":
            response = client.get(f"{url}?{_urlencoded(values)}")
        else:
            response = client.generic(
                "POST", url, _urlencoded(values), "application/x-www-form-urlencoded"
            )
        _check(response, f"{method.upper()} {url} {values!r:.300}")

    sweep()
