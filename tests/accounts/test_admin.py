import pytest

from mealbuddy.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = User.objects.create_superuser("admin@example.com", "관리자", "관리자-비번-2024")
    client.force_login(admin)
    return client


def test_admin_lists_searches_and_edits_users(staff_client, user):
    response = staff_client.get("/admin/accounts/user/", {"q": user.username})
    assert response.status_code == 200 and user.email in response.content.decode()
    assert staff_client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200


def test_admin_adds_a_user_with_email_login(staff_client):
    response = staff_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "added@example.com",
            "username": "추가된이웃",
            "password1": "배고픈-저녁-2024",
            "password2": "배고픈-저녁-2024",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(email="added@example.com").check_password("배고픈-저녁-2024")


# --- the admin login is throttled like every other login ---------------------------------------


def admin_login(client, email, password, **extra):
    return client.post(
        "/admin/login/?next=/admin/", {"username": email, "password": password}, **extra
    )


@pytest.fixture
def staff(db):
    return User.objects.create_superuser("boss@example.com", "관리자2", "관리자-비번-2024")


def test_admin_login_works_and_refuses_non_staff(client, staff, user):
    from tests.factories import DEFAULT_PASSWORD

    assert admin_login(client, user.email, DEFAULT_PASSWORD).status_code == 200
    assert "_auth_user_id" not in client.session
    response = admin_login(client, staff.email, "관리자-비번-2024")
    assert response.status_code == 302 and response.url == "/admin/"


def test_admin_login_is_throttled(client, staff, settings):
    settings.LOGIN_THROTTLE_LIMIT = 3
    for _ in range(3):
        response = admin_login(client, staff.email, "guess")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = admin_login(client, staff.email, "관리자-비번-2024")
    assert response.status_code == 200
    assert "로그인 시도가 너무 많아요" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The owner logging in from elsewhere is not locked out.
    other = admin_login(client, staff.email, "관리자-비번-2024", REMOTE_ADDR="10.7.0.1")
    assert other.status_code == 302


def test_admin_and_api_logins_share_one_counter(client, staff, settings):
    from rest_framework.test import APIClient

    settings.LOGIN_THROTTLE_LIMIT = 2
    APIClient().post("/api/user/login/", {"email": staff.email, "password": "guess"})
    admin_login(client, staff.email, "guess")
    api = APIClient().post("/api/user/login/", {"email": staff.email, "password": "guess"})
    assert api.status_code == 429
    response = admin_login(client, staff.email, "관리자-비번-2024")
    assert "로그인 시도가 너무 많아요" in response.content.decode()


def test_admin_login_counts_per_address_across_emails(client, staff, settings):
    settings.LOGIN_THROTTLE_IP_LIMIT = 4
    for n in range(4):
        admin_login(client, f"guess{n}@example.com", "guess")
    response = admin_login(client, staff.email, "관리자-비번-2024")
    assert "로그인 시도가 너무 많아요" in response.content.decode()


# --- staff changes end the account's sessions and sockets ---------------------------------------


def _change_form_data(target: User, **changes) -> dict:
    data = {
        "email": target.email,
        "username": target.username,
        "region": target.region_id or "",
        "address": target.address,
        "lat": target.lat or "",
        "lon": target.lon or "",
        "date_joined_0": "",
        "profile-TOTAL_FORMS": "0",
        "profile-INITIAL_FORMS": "0",
        "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1",
    }
    if target.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_staff_deactivation_ends_sessions_and_closes_sockets(
    staff_client, user, django_capture_on_commit_callbacks
):
    from tests.accounts.test_sessions import account_events, api_login, current

    pair = api_login(user)

    def act():
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(
                f"/admin/accounts/user/{user.pk}/change/",
                _change_form_data(user, is_active=None),
            )
            assert response.status_code == 302, response.context["adminform"].form.errors

    assert account_events(user.pk, act) == [{"type": "account.revoked"}]
    user.refresh_from_db()
    assert not user.is_active
    assert current(pair["token"]).status_code == 401


def test_an_ordinary_staff_edit_leaves_sessions_alone(
    staff_client, user, django_capture_on_commit_callbacks
):
    from tests.accounts.test_sessions import account_events, api_login, current

    pair = api_login(user)

    def act():
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(
                f"/admin/accounts/user/{user.pk}/change/",
                _change_form_data(user, address=user.address + " 1"),
            )
            assert response.status_code == 302, response.context["adminform"].form.errors

    assert account_events(user.pk, act) == []
    assert current(pair["token"]).status_code == 200


def test_staff_bulk_deactivation_action(staff_client, user, django_capture_on_commit_callbacks):
    from tests.accounts.test_sessions import account_events, api_login, current

    pair = api_login(user)

    def act():
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(
                "/admin/accounts/user/",
                {"action": "suspend", "_selected_action": [user.pk]},
            )
            assert response.status_code == 302

    assert account_events(user.pk, act) == [{"type": "account.revoked"}]
    assert current(pair["token"]).status_code == 401


def test_staff_password_reset_ends_sessions_and_closes_sockets(
    staff_client, user, django_capture_on_commit_callbacks
):
    from tests.accounts.test_sessions import account_events, api_login, current

    pair = api_login(user)

    def act():
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(
                f"/admin/accounts/user/{user.pk}/password/",
                {
                    "password1": "관리자가-정한-2025",
                    "password2": "관리자가-정한-2025",
                    "usable_password": "true",
                },
            )
            assert response.status_code == 302

    assert account_events(user.pk, act) == [{"type": "account.revoked"}]
    assert current(pair["token"]).status_code == 401


def test_staff_cannot_hard_delete_accounts(staff_client, user):
    assert staff_client.get(f"/admin/accounts/user/{user.pk}/delete/").status_code == 403
    assert User.objects.filter(pk=user.pk).exists()
