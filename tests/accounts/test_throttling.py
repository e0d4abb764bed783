"""Write rate limits: per user and per address, by scope, with Retry-After and Korean 429s,
on every door (our API, the original client's API, pages); reads are never limited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from mealbuddy.groupbuys.models import GroupOrder
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.groupbuys.conftest import make_order

pytestmark = pytest.mark.django_db

ORDER = {"title": "치킨 같이 시켜요", "category": "치킨", "target_count": 4}
COMPAT_POST = {"title": "떡볶이 모여라", "category": "분식", "target_number": 3, "content": "맵게"}


@pytest.fixture
def rates(settings):
    """Small limits for the scopes under test; the rest stays at its (generous) default."""

    def set_rates(scope: str, *, user: str | None = None, ip: str | None = None) -> None:
        if user is not None:
            settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, scope: user}
        if ip is not None:
            settings.API_THROTTLE_IP_RATES = {**settings.API_THROTTLE_IP_RATES, scope: ip}

    return set_rates


def assert_throttled(response) -> None:
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 3600


def test_creating_group_orders_is_limited_per_user(rates):
    rates("post", user="2/hour", ip="100/hour")
    alice = client_for(UserFactory())
    for _ in range(2):
        assert alice.post("/api/groupbuys/", ORDER, format="json").status_code == 201
    refused = alice.post("/api/groupbuys/", ORDER, format="json")
    assert_throttled(refused)
    assert "요청이 너무 많아요" in refused.json()["errors"]["error"][0]
    assert GroupOrder.objects.count() == 2
    # Reading is not limited, and a neighbour on the same address still posts.
    assert alice.get("/api/groupbuys/").status_code == 200
    bob = client_for(UserFactory())
    assert bob.post("/api/groupbuys/", ORDER, format="json").status_code == 201


def test_writes_are_limited_per_address_across_users(rates):
    rates("post", user="100/hour", ip="3/hour")
    for _ in range(3):
        client = client_for(UserFactory())
        assert client.post("/api/groupbuys/", ORDER, format="json").status_code == 201
    client = client_for(UserFactory())
    assert_throttled(client.post("/api/groupbuys/", ORDER, format="json"))
    elsewhere = client.post("/api/groupbuys/", ORDER, format="json", REMOTE_ADDR="10.5.0.1")
    assert elsewhere.status_code == 201


def test_original_client_writing_is_limited_on_the_same_counter(rates):
    rates("post", user="2/hour")
    client = client_for(UserFactory())
    assert client.post("/api/groupbuys/", ORDER, format="json").status_code == 201
    assert client.post("/api/post/write/", COMPAT_POST, format="json").status_code == 201
    refused = client.post("/api/post/write/", COMPAT_POST, format="json")
    assert_throttled(refused)
    assert refused.json()["errors"]["error"][0].startswith("요청이 너무 많아요")


def test_joining_is_limited_and_the_original_client_gets_a_string(rates):
    rates("join", user="2/hour")
    client = client_for(UserFactory())
    orders = [make_order(UserFactory()) for _ in range(3)]
    assert client.post(f"/api/groupbuys/{orders[0].pk}/join/").status_code == 200
    room_id = orders[1].chat_room.pk
    assert client.post(f"/api/chat/{room_id}/").status_code == 200
    refused = client.post(f"/api/chat/{orders[2].chat_room.pk}/")
    assert_throttled(refused)
    assert isinstance(refused.json(), str) and "요청이 너무 많아요" in refused.json()
    assert_throttled(client.post(f"/api/groupbuys/{orders[2].pk}/join/"))
    assert client.get(f"/api/chat/{room_id}/").status_code == 200  # reading the room is fine


def test_items_are_limited(rates):
    rates("item", user="2/hour")
    user = UserFactory()
    client = client_for(user)
    order = make_order(user)
    item = {"name": "양념치킨", "unit_price": 19000, "quantity": 1}
    base = f"/api/groupbuys/{order.pk}/items/"
    item_id = client.post(base, item, format="json").json()["id"]
    patched = client.patch(f"/api/groupbuys/items/{item_id}/", {"quantity": 2}, format="json")
    assert patched.status_code == 200
    assert_throttled(client.post(base, item, format="json"))


def test_sign_up_is_limited_per_address(rates, seogyo):
    rates("signup", ip="2/hour")

    def register(n, **extra):
        body = {
            "email": f"new{n}@example.com",
            "username": f"새이웃{n}",
            "password": DEFAULT_PASSWORD,
            "password2": DEFAULT_PASSWORD,
            "address": seogyo.full_name,
        }
        return APIClient().post("/api/user/register/", body, format="json", **extra)

    assert register(1).status_code == 201
    assert register(2).status_code == 201
    assert_throttled(register(3))
    assert register(4, REMOTE_ADDR="10.6.0.1").status_code == 201


def test_sign_up_page_shares_the_limit(rates, seogyo):
    rates("signup", ip="1/hour")
    client = Client()

    def signup(n):
        return client.post(
            "/accounts/signup/",
            {
                "email": f"page{n}@example.com",
                "username": f"페이지{n}",
                "password1": DEFAULT_PASSWORD,
                "password2": DEFAULT_PASSWORD,
                "address": seogyo.full_name,
                "region": seogyo.pk,
            },
        )

    assert signup(1).status_code == 302
    Client().post("/accounts/logout/")
    client = Client()
    refused = signup(2)
    assert_throttled(refused)
    assert "요청이 너무 많아요" in refused.content.decode()


def test_pages_count_against_the_same_limits(rates, client):
    rates("post", user="1/hour")
    rates("join", user="1/hour")
    user = UserFactory()
    client.force_login(user)
    deadline = timezone.localtime(timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    form = {
        **ORDER,
        "fee_split": "equal",
        "min_order_amount": 0,
        "delivery_fee": 0,
        "deadline": deadline,
    }
    first = client.post("/groupbuys/new/", form)
    assert GroupOrder.objects.filter(host=user).count() == 1, first.content.decode()[:500]
    refused = client.post("/groupbuys/new/", form)
    assert_throttled(refused)
    assert "요청이 너무 많아요" in refused.content.decode()
    assert GroupOrder.objects.filter(host=user).count() == 1
    assert client.get("/groupbuys/new/").status_code == 200
    orders = [make_order(UserFactory()) for _ in range(2)]
    client.post(f"/groupbuys/{orders[0].pk}/join/")
    assert_throttled(client.post(f"/groupbuys/{orders[1].pk}/join/"))


def test_a_new_scope_needs_only_a_name_and_a_rate(rates):
    """Reports do not exist yet: a view naming the scope is limited like the others."""
    rates("report", user="1/hour", ip="5/hour")

    class ReportView(APIView):
        throttle_scope = "report"

        def get(self, request):
            return Response({})

        def post(self, request):
            return Response({"reported": True}, status=201)

    view = ReportView.as_view()
    factory = APIRequestFactory()
    user = UserFactory()

    def call(method):
        request = getattr(factory, method)("/api/reports/")
        request.user = user
        from rest_framework.test import force_authenticate

        force_authenticate(request, user=user)
        return view(request)

    assert call("post").status_code == 201
    assert call("post").status_code == 429
    assert call("get").status_code == 200


def test_defaults_leave_ordinary_use_alone():
    client = client_for(UserFactory())
    for _ in range(10):
        assert client.post("/api/groupbuys/", ORDER, format="json").status_code == 201
