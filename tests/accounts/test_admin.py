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
