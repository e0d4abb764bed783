"""Hostile input on the staff pages, as staff: always a 4xx or a page, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from mealbuddy.trust.models import ModerationAction, Report
from tests.core.test_input_sweep import QUERY_POISONS, _page_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIELDS = [
    "sort",
    "on",
    "report-kind",
    "report-reason",
    "report-days",
    "user-kind",
    "user-reason",
    "user-days",
]


@pytest.fixture
def staff_client(db):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_staff=True))
    return client


@pytest.fixture
def report(db):
    target = UserFactory()
    return Report.objects.create(
        reporter=UserFactory(),
        target=Report.Target.USER,
        target_user=target,
        reason=Report.Reason.SPAM,
        snapshot={"nickname": target.display_name},
    )


def test_staff_pages_refuse_each_poison(staff_client, report):
    pages = [
        ("get", "/staff/moderation/"),
        ("get", "/staff/moderation/log/"),
        ("get", f"/staff/moderation/{report.pk}/"),
        ("post", f"/staff/moderation/{report.pk}/"),
    ]
    for method, url in pages:
        for poison in QUERY_POISONS:
            _page_send(staff_client, method, url, dict.fromkeys(FIELDS, poison))
        for on in ("user", "report"):
            values = dict.fromkeys(FIELDS, QUERY_POISONS[0]) | {"on": on}
            _page_send(staff_client, method, url, values)
    _page_send(staff_client, "get", "/staff/moderation/" + "9" * 30 + "/", {})
    # Days far out of range, a kind that does not fit: a 400 with the form, nothing done.
    for values in (
        {"report-kind": "suspend", "report-reason": "노쇼", "report-days": "99999999999999999999"},
        {"report-kind": "suspend", "report-reason": "노쇼", "report-days": "-1"},
        {"report-kind": "lift", "report-reason": "해제"},
        {"on": "user", "user-kind": "dismiss", "user-reason": "기각"},
    ):
        response = staff_client.post(f"/staff/moderation/{report.pk}/", values)
        assert response.status_code == 400, values
    assert not ModerationAction.objects.exists()
