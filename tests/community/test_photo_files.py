"""A post's photo files (original and thumbnail) leave the storage once its deletion commits,
whichever way the rows go: the author or staff deleting the post, a photo removed, the admin
or a cascade from an account deleted for good. Real file storage in a temporary MEDIA_ROOT."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client

from mealbuddy.accounts.services import user_deactivate
from mealbuddy.community import services
from mealbuddy.community.models import Post, PostPhoto
from tests.community.conftest import make_post, photo
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def files_of(post) -> list[str]:
    names = []
    for row in PostPhoto.objects.filter(post=post):
        names += [row.image.name, row.thumb.name]
    return names


def exist(names) -> list[bool]:
    return [default_storage.exists(name) for name in names]


@pytest.fixture
def post_with_photos(author, settings):
    post = make_post(author, photos=[photo(), photo("b.png", fmt="PNG")])
    names = files_of(post)
    assert len(names) == 4 and all(exist(names))
    assert all(str(settings.MEDIA_ROOT) in default_storage.path(n) for n in names)
    return post, names


def test_deleting_a_post_removes_its_files_after_commit(
    author, post_with_photos, django_capture_on_commit_callbacks
):
    post, names = post_with_photos
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.post_delete(post_id=post.pk, user=author)
        # Not before the deletion commits: a rollback would keep post and photos together.
        assert all(exist(names))
    assert len(callbacks) == 4
    for callback in callbacks:
        callback()
    assert not any(exist(names))
    post.refresh_from_db()
    assert post.deleted_at and post.photo_count == 0 and not PostPhoto.objects.exists()


def test_a_rolled_back_deletion_keeps_the_files(
    author, post_with_photos, django_capture_on_commit_callbacks
):
    post, names = post_with_photos
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.post_delete(post_id=post.pk, user=author)
        raise RuntimeError("the request failed after the delete")
    assert callbacks == [] and all(exist(names))
    assert PostPhoto.objects.filter(post=post).count() == 2


def test_staff_deleting_on_the_page_removes_the_files_too(
    author, post_with_photos, django_capture_on_commit_callbacks
):
    post, names = post_with_photos
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))
    stranger = Client()
    stranger.force_login(UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        assert stranger.post(f"/community/{post.pk}/delete/").status_code == 403
    assert all(exist(names))
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(f"/community/{post.pk}/delete/").status_code == 302
    assert not any(exist(names))


def test_removing_one_photo_removes_only_its_files(
    author, post_with_photos, django_capture_on_commit_callbacks
):
    post, names = post_with_photos
    first = PostPhoto.objects.filter(post=post).order_by("id").first()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_photo_delete(photo_id=first.pk, user=author)
    assert exist(names) == [False, False, True, True]
    with django_capture_on_commit_callbacks(execute=True):
        services.post_update(
            post_id=post.pk, user=author, remove_photo_ids=[PostPhoto.objects.get().pk]
        )
    assert not any(exist(names))


def test_a_cascade_removes_the_files_admin_delete_and_account_deleted_for_good(
    author, post_with_photos, django_capture_on_commit_callbacks
):
    post, names = post_with_photos
    # The admin deletes the row itself (PostAdmin has the default delete).
    with django_capture_on_commit_callbacks(execute=True):
        Post.objects.filter(pk=post.pk).delete()
    assert not any(exist(names))
    # An account row deleted for good (a shell or a data clean-up; the site only
    # deactivates): user → posts → photos.
    other = make_post(author, photos=[photo()])
    other_names = files_of(other)
    with django_capture_on_commit_callbacks(execute=True):
        get_user_model().objects.filter(pk=author.pk).delete()
    assert not Post.objects.filter(pk=other.pk).exists() and not any(exist(other_names))


def test_deactivating_an_account_keeps_its_posts_and_their_photos(
    author, post_with_photos, django_capture_on_commit_callbacks
):
    # 회원 탈퇴 keeps what the person wrote ("(탈퇴한 사용자)"): the post and its photos stay.
    post, names = post_with_photos
    with django_capture_on_commit_callbacks(execute=True):
        user_deactivate(user=author, password=DEFAULT_PASSWORD)
    assert all(exist(names)) and PostPhoto.objects.filter(post=post).count() == 2
