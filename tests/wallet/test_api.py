from __future__ import annotations

import pytest

from mealbuddy.wallet import services
from mealbuddy.wallet.selectors import WALLET_PAGE
from tests.conftest import client_for
from tests.wallet.conftest import fund


def test_my_wallet_with_history_and_running_balance(alice, bob, django_assert_max_num_queries):
    fund(alice, 10_000, key="t1")
    services.escrow_hold(key="h1", user=alice, order_ref="order:1", amount=3_000)
    services.points_award(key="p1", user=alice, amount=150, reference="order:1")
    fund(bob, 99_000, key="t2")
    client = client_for(alice)
    with django_assert_max_num_queries(8):
        body = client.get("/api/wallet/").json()
    assert (body["cash"], body["points"], body["payout_pending"]) == (7_000, 150, 0)
    assert [(h["kind"], h["amount"], h["balance_after"]) for h in body["history"]] == [
        ("hold", -3_000, 7_000),
        ("topup", 10_000, 10_000),
    ]
    assert body["history"][0]["reference"] == "order:1"
    assert body["has_more"] is False
    points = client.get("/api/wallet/?account=points").json()["history"]
    assert [(h["kind"], h["amount"], h["balance_after"]) for h in points] == [("points", 150, 150)]
    # Only one's own money: bob's top-up is not in alice's history.
    assert client_for(bob).get("/api/wallet/").json()["cash"] == 99_000


def test_history_pages_back(alice):
    for n in range(WALLET_PAGE + 5):
        fund(alice, 100, key=f"t{n}")
    client = client_for(alice)
    first = client.get("/api/wallet/").json()
    assert len(first["history"]) == WALLET_PAGE and first["has_more"]
    assert first["history"][0]["balance_after"] == 100 * (WALLET_PAGE + 5)
    rest = client.get(f"/api/wallet/?before={first['history'][-1]['id']}").json()
    assert [h["balance_after"] for h in rest["history"]] == [500, 400, 300, 200, 100]
    assert rest["has_more"] is False


@pytest.mark.parametrize("query", ["?before=abc", "?account=escrow", "?before=0"])
def test_bad_query_is_a_400(alice, query):
    response = client_for(alice).get(f"/api/wallet/{query}")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_a_new_user_sees_zeros(alice):
    body = client_for(alice).get("/api/wallet/").json()
    assert body == {"cash": 0, "points": 0, "payout_pending": 0, "history": [], "has_more": False}


def test_anonymous_is_refused(client, db):
    assert client.get("/api/wallet/").status_code in (401, 403)


def test_in_the_openapi_schema(alice):
    schema = client_for(alice).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/wallet/"]["get"]
    assert operation["tags"] == ["지갑"]
    assert "balance_after" in schema["components"]["schemas"]["WalletEntry"]["properties"]
