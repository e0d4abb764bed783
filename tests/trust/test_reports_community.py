"""신고 of 동네생활 posts and comments: what the reporter may report (seen, not their own),
the snapshot kept at report time, one open report per thing, the rate limit, the REST door
(and its schema) and the "신고하기" links on the post page."""

from __future__ import annotations

import pytest
from django.test import Client

from mealbuddy.community import services
from mealbuddy.trust.models import Report
from mealbuddy.trust.services import block_create
from tests.community.conftest import make_post, photo
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def author(seogyo):
    return UserFactory(username="글쓴이")


@pytest.fixture
def reporter(seogyo):
    return UserFactory(username="신고자")


@pytest.fixture
def post(author):
    return make_post(
        author, topic="food", title="원래 제목", text="원래 내용", photos=[photo(), photo()]
    )


def report(user, **data):
    return client_for(user).post("/api/reports/", data, format="json")


def test_a_post_report_keeps_the_post_as_it_was(author, reporter, post):
    response = report(reporter, target="post", post_id=post.pk, reason="spam", text=" 광고 ")
    assert response.status_code == 201 and response.json()["target"] == "post"
    services.post_update(post_id=post.pk, user=author, title="바뀐 제목", text="바뀜")
    saved = Report.objects.get()
    assert saved.post_id == post.pk and saved.target_user == author and saved.text == "광고"
    snap = saved.snapshot
    assert snap["title"] == "원래 제목" and snap["text"] == "원래 내용"
    assert snap["topic"] == "food" and snap["topic_label"] == "맛집 추천"
    assert snap["photos"] == 2 and snap["author"] == "글쓴이" and snap["author_id"] == author.pk
    # Deleting the post keeps the report and what it said.
    services.post_delete(post_id=post.pk, user=author)
    saved.refresh_from_db()
    assert saved.snapshot["title"] == "원래 제목"


def test_a_comment_report_keeps_text_author_post_and_the_comments_before_it(author, reporter, post):
    for n in range(4):
        services.comment_create(post_id=post.pk, user=UserFactory(), text=f"앞 댓글 {n}")
    bad = services.comment_create(post_id=post.pk, user=author, text="문제의 댓글")
    response = report(reporter, target="comment", comment_id=bad.pk, reason="abuse")
    assert response.status_code == 201
    services.comment_delete(comment_id=bad.pk, user=author)
    saved = Report.objects.get()
    assert saved.comment_id == bad.pk and saved.target_user == author
    snap = saved.snapshot
    assert snap["text"] == "문제의 댓글" and snap["author"] == "글쓴이"
    assert snap["post_id"] == post.pk and snap["post_title"] == "원래 제목"
    assert [c["text"] for c in snap["context"]] == ["앞 댓글 1", "앞 댓글 2", "앞 댓글 3"]


def test_what_the_reporter_cannot_see_is_not_found_and_their_own_is_refused(author, reporter, post):
    theirs = services.comment_create(post_id=post.pk, user=author, text="글쓴이 댓글")
    mine = services.comment_create(post_id=post.pk, user=reporter, text="내 댓글")
    own_post = make_post(reporter)
    refused = report(reporter, target="post", post_id=own_post.pk, reason="spam")
    assert refused.status_code == 400 and "post_id" in refused.json()["errors"]
    refused = report(reporter, target="comment", comment_id=mine.pk, reason="spam")
    assert refused.status_code == 400 and "comment_id" in refused.json()["errors"]
    # Missing, malformed, deleted.
    assert report(reporter, target="post", post_id=10**12, reason="spam").status_code == 404
    assert report(reporter, target="post", reason="spam").status_code == 404
    assert report(reporter, target="comment", comment_id="x", reason="spam").status_code == 400
    gone = make_post(author, title="지운 글")
    services.post_delete(post_id=gone.pk, user=author)
    assert report(reporter, target="post", post_id=gone.pk, reason="spam").status_code == 404
    # Hidden by a moderator: the post, and a comment.
    hidden = make_post(author, title="숨긴 글")
    services.post_hide(post_id=hidden.pk)
    assert report(reporter, target="post", post_id=hidden.pk, reason="spam").status_code == 404
    hushed = services.comment_create(post_id=post.pk, user=author, text="숨긴 댓글")
    services.comment_hide(comment_id=hushed.pk)
    assert report(reporter, target="comment", comment_id=hushed.pk, reason="spam").status_code == (
        404
    )
    # Blocked either way: the post and its comments are not there for the reporter.
    block_create(blocker=author, blocked_id=reporter.pk)
    assert report(reporter, target="post", post_id=post.pk, reason="spam").status_code == 404
    assert report(reporter, target="comment", comment_id=theirs.pk, reason="spam").status_code == (
        404
    )
    assert not Report.objects.exists()


def test_one_open_report_per_post_or_comment_and_the_same_rate_limit(
    author, reporter, post, settings
):
    settings.TRUST_REPORT_BURST = 2
    settings.TRUST_REPORTS_PER_HOUR = 1
    comment = services.comment_create(post_id=post.pk, user=author, text="댓글")
    first = report(reporter, target="post", post_id=post.pk, reason="spam", text="처음")
    again = report(reporter, target="post", post_id=post.pk, reason="abuse", text="다시")
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == first.json()["id"]
    # The comment is another thing, by the same person.
    assert report(reporter, target="comment", comment_id=comment.pk, reason="spam").status_code == (
        201
    )
    assert Report.objects.count() == 2
    other = make_post(UserFactory(), title="다른 글")
    limited = report(reporter, target="post", post_id=other.pk, reason="spam")
    assert limited.status_code == 429 and limited["Retry-After"]
    assert report(reporter, target="post", post_id=post.pk, reason="spam").status_code == 200


def test_the_report_form_and_the_links_on_the_post_page(author, reporter, post):
    comment = services.comment_create(post_id=post.pk, user=author, text="이상한 댓글")
    mine = services.comment_create(post_id=post.pk, user=reporter, text="내 댓글")
    client = Client()
    client.force_login(reporter)
    html = client.get(f"/community/{post.pk}/").content.decode()
    assert f"/reports/new/?post={post.pk}&amp;next=/community/{post.pk}/" in html
    assert f"/reports/new/?comment={comment.pk}&amp;" in html
    assert f"/reports/new/?comment={mine.pk}&amp;" not in html
    form = client.get(f"/reports/new/?post={post.pk}").content.decode()
    assert "‘원래 제목’ 동네생활 글" in form and f'name="post" value="{post.pk}"' in form
    assert "글쓴이 님의 댓글" in client.get(f"/reports/new/?comment={comment.pk}").content.decode()
    done = client.post(
        "/reports/new/",
        {"comment": comment.pk, "reason": "abuse", "next": f"/community/{post.pk}/"},
    )
    assert done.status_code == 200 and "신고했어요" in done.content.decode()
    assert Report.objects.get().comment_id == comment.pk
    assert client.get(f"/reports/new/?comment={mine.pk}").status_code == 400
    # The author sees no link on their own post.
    client.force_login(author)
    assert "/reports/new/?post=" not in client.get(f"/community/{post.pk}/").content.decode()


def test_the_schema_documents_the_new_targets(reporter):
    schema = client_for(reporter).get("/api/schema/?format=json").json()
    fields = schema["components"]["schemas"]["ReportInputRequest"]["properties"]
    assert {"post_id", "comment_id"} <= set(fields)
    target = fields["target"]
    if "$ref" in target or "allOf" in target:
        ref = target.get("$ref") or target["allOf"][0]["$ref"]
        target = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert {"post", "comment"} <= set(target["enum"])
