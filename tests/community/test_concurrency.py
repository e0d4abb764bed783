"""Counters stay exact when many press at once: real threads, each with its own database
connection (on PostgreSQL the unique constraint and the conditional UPDATEs decide; on SQLite
the IMMEDIATE transactions queue the writers)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from mealbuddy.community.models import PostLike, PostPhoto
from mealbuddy.community.services import post_like_toggle, post_photo_add
from tests.community.conftest import make_post, photo
from tests.factories import UserFactory


def run_at_once(calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    results: list[str] = []
    lock = threading.Lock()

    def run(call) -> None:
        try:
            barrier.wait(timeout=30)
            call()
            outcome = "ok"
        except Exception as exc:  # noqa: BLE001 - counted below
            outcome = getattr(exc, "code", repr(exc))
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.django_db(transaction=True)
def test_twelve_people_tapping_like_twice_at_once_count_twelve(regions_tx):
    post = make_post(UserFactory())
    users = [UserFactory() for _ in range(12)]
    calls = [
        (lambda u=user: post_like_toggle(post_id=post.pk, user=u, liked=True))
        for user in users
        for _ in range(2)
    ]
    results = run_at_once(calls)
    assert results.count("ok") == len(calls), results
    post.refresh_from_db()
    assert post.like_count == PostLike.objects.filter(post=post).count() == 12


@pytest.mark.django_db(transaction=True)
def test_eight_photos_at_once_on_an_empty_post_keep_five(regions_tx, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    author = UserFactory()
    post = make_post(author)
    uploads = [photo() for _ in range(8)]
    results = run_at_once(
        [(lambda f=f: post_photo_add(post_id=post.pk, user=author, upload=f)) for f in uploads]
    )
    assert results.count("ok") == 5 and results.count("too_many_photos") == 3, results
    post.refresh_from_db()
    assert post.photo_count == PostPhoto.objects.filter(post=post).count() == 5
