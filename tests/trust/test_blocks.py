"""차단: the service, ``/api/blocks/`` and the pages ("차단한 이웃", the profile's buttons)."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from mealbuddy.trust.models import Block
from mealbuddy.trust.services import block_create, block_delete
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(seogyo):
    return UserFactory(username="나"), UserFactory(username="그사람")


def test_block_is_idempotent_and_unblock_twice_is_fine(pair):
    me, them = pair
    first, created = block_create(blocker=me, blocked_id=them.pk)
    again, created_again = block_create(blocker=me, blocked_id=them.pk)
    assert created and not created_again and first.pk == again.pk
    assert Block.objects.count() == 1
    assert block_delete(blocker=me, blocked_id=them.pk) is True
    assert block_delete(blocker=me, blocked_id=them.pk) is False
    assert Block.objects.count() == 0


def test_api_lists_blocks_newest_first_and_refuses_self_and_strangers(pair):
    me, them = pair
    other = UserFactory(username="또다른이")
    api = client_for(me)
    response = api.post("/api/blocks/", {"user_id": them.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["user"] == {"id": them.pk, "username": "그사람", "avatar": None}
    assert api.post("/api/blocks/", {"user_id": them.pk}, format="json").status_code == 200
    api.post("/api/blocks/", {"user_id": other.pk}, format="json")
    names = [b["user"]["username"] for b in api.get("/api/blocks/").json()["results"]]
    assert names == ["또다른이", "그사람"]
    # No email anywhere in the list.
    assert them.email not in api.get("/api/blocks/").content.decode()
    response = api.post("/api/blocks/", {"user_id": me.pk}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "block_self"
    response = api.post("/api/blocks/", {"user_id": 10**9}, format="json")
    assert response.status_code == 404
    for bad in ({}, {"user_id": "abc"}, {"user_id": -1}, {"user_id": [1]}):
        assert api.post("/api/blocks/", bad, format="json").status_code == 400


def test_api_unblock_only_touches_my_own_blocks(pair):
    me, them = pair
    block_create(blocker=them, blocked_id=me.pk)
    # I cannot lift the block someone else made on me.
    assert client_for(me).delete(f"/api/blocks/{them.pk}/").status_code == 204
    assert Block.objects.filter(blocker=them, blocked=me).exists()
    # Nor see it in my list.
    assert client_for(me).get("/api/blocks/").json()["results"] == []
    assert client_for(them).delete(f"/api/blocks/{me.pk}/").status_code == 204
    assert not Block.objects.exists()


def test_anonymous_gets_401(api_client, db):
    assert api_client.get("/api/blocks/").status_code == 401
    assert api_client.post("/api/blocks/", {"user_id": 1}).status_code == 401


def test_settings_page_lists_blocks_and_unblocks(client, pair):
    me, them = pair
    block_create(blocker=me, blocked_id=them.pk)
    client.force_login(me)
    html = client.get("/settings/blocks/").content.decode()
    assert "차단한 이웃" in html and "그사람" in html and "차단 풀기" in html
    response = client.post(f"/settings/blocks/{them.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/settings/blocks/"
    assert not Block.objects.exists()
    assert 'data-testid="no-blocks"' in client.get("/settings/blocks/").content.decode()
    # The settings page links to it.
    assert "/settings/blocks/" in client.get("/accounts/me/").content.decode()


def test_block_page_confirms_before_blocking(client, pair):
    me, them = pair
    client.force_login(me)
    html = client.get(f"/users/{them.pk}/block/?next=/").content.decode()
    assert "그사람 님을 차단할까요?" in html and 'method="post"' in html
    assert not Block.objects.exists()  # a GET never blocks
    response = client.post(f"/users/{them.pk}/block/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/settings/blocks/"
    assert Block.objects.filter(blocker=me, blocked=them).exists()
    assert "이미 차단한 이웃이에요" in client.get(f"/users/{them.pk}/block/").content.decode()
    assert client.post(f"/users/{me.pk}/block/").status_code == 400
    assert client.get("/users/999999999/block/").status_code == 404


def _render_actions(viewer, person) -> str:
    request = RequestFactory().get("/users/1/")
    request.user = viewer
    template = Template('{% include "trust/_profile_actions.html" with profile_user=person %}')
    return template.render(Context({"user": viewer, "person": person, "request": request}))


def test_profile_partial_offers_block_or_unblock_and_report(pair):
    me, them = pair
    html = _render_actions(me, them)
    assert f"/users/{them.pk}/block/" in html and "차단하기" in html
    assert f"/reports/new/?user={them.pk}" in html
    block_create(blocker=me, blocked_id=them.pk)
    html = _render_actions(me, them)
    assert "차단 풀기" in html and f"/settings/blocks/{them.pk}/delete/" in html
    # Nothing on my own profile.
    assert "차단" not in _render_actions(me, me)
