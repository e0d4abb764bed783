"""Moderation of 동네생활: post and comment reports in the queue (grouped, most reported first),
their context on the detail page, "hide_post"/"hide_comment" (audited, resolving the group)
and what a hidden post or comment then is for readers, its author and staff."""

from __future__ import annotations

import pytest
from django.test import Client

from mealbuddy.community import selectors, services
from mealbuddy.community.models import Post
from mealbuddy.core.errors import ApplicationError
from mealbuddy.trust.models import ModerationAction, Report
from mealbuddy.trust.moderation import moderation_act, report_detail, report_queue
from mealbuddy.trust.reports import report_create
from tests.community.conftest import make_post
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Kind = ModerationAction.Kind


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TRUST_REPORT_BURST = 1000


@pytest.fixture
def staff(seogyo):
    return UserFactory(is_staff=True, username="운영자")


@pytest.fixture
def author(seogyo):
    return UserFactory(username="글쓴이")


@pytest.fixture
def reader(seogyo):
    return UserFactory(username="이웃")


@pytest.fixture
def post(author):
    return make_post(author, title="수상한 나눔", text="연락 주세요")


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def report_post(post, reporter=None, reason="spam") -> Report:
    report, _ = report_create(
        reporter=reporter or UserFactory(), target="post", post_id=post.pk, reason=reason
    )
    return report


def report_comment(comment, reporter=None, reason="abuse") -> Report:
    report, _ = report_create(
        reporter=reporter or UserFactory(), target="comment", comment_id=comment.pk, reason=reason
    )
    return report


def test_the_queue_groups_post_and_comment_reports_most_reported_first(
    staff, author, post, django_assert_max_num_queries
):
    comment = services.comment_create(post_id=post.pk, user=author, text="나쁜 말")
    other_comment = services.comment_create(post_id=post.pk, user=author, text="또 나쁜 말")
    for _ in range(3):
        report_comment(comment)
    for _ in range(2):
        report_post(post)
    report_comment(other_comment)
    with django_assert_max_num_queries(2):
        queue = report_queue(staff=staff, sort="most")
    assert [(e.report.target, e.count) for e in queue.entries] == [
        ("comment", 3),
        ("post", 2),
        ("comment", 1),
    ]
    assert queue.entries[0].report.comment_id == comment.pk
    assert queue.open_reports == 6 and queue.open_groups == 3
    html = staff_client(staff).get("/staff/moderation/?sort=most").content.decode()
    assert "‘수상한 나눔’의 댓글" in html and "글쓴이 · 수상한 나눔" in html
    assert "신고 3건" in html and "동네생활 글" in html


def test_the_detail_page_shows_the_post_and_a_comment_with_its_neighbours(
    staff, author, post, reader
):
    lines = [
        services.comment_create(post_id=post.pk, user=reader, text=f"댓글 {n}") for n in range(5)
    ]
    bad = services.comment_create(post_id=post.pk, user=author, text="문제의 댓글")
    after = services.comment_create(post_id=post.pk, user=reader, text="뒤 댓글", parent_id=bad.pk)
    report = report_comment(bad)
    detail = report_detail(staff=staff, report_id=report.pk)
    assert detail.content["post_title"] == "수상한 나눔"
    thread = detail.content["thread"]
    assert [c["id"] for c in thread] == [lines[2].pk, lines[3].pk, lines[4].pk, bad.pk, after.pk]
    assert [c["reported"] for c in thread] == [False, False, False, True, False]
    assert (Kind.HIDE_COMMENT.value, Kind.HIDE_COMMENT.label) in detail.kinds
    assert Kind.HIDE_POST.value not in [k for k, _ in detail.kinds]
    html = staff_client(staff).get(f"/staff/moderation/{report.pk}/").content.decode()
    assert 'data-content="comment"' in html and "문제의 댓글" in html and "뒤 댓글" in html
    assert 'aria-current="true"' in html and "댓글 숨김" in html
    post_report = report_post(post)
    detail = report_detail(staff=staff, report_id=post_report.pk)
    assert detail.content["title"] == "수상한 나눔" and not detail.content["hidden"]
    assert Kind.HIDE_POST.value in [k for k, _ in detail.kinds]
    html = staff_client(staff).get(f"/staff/moderation/{post_report.pk}/").content.decode()
    assert 'data-content="post"' in html and f'href="/community/{post.pk}/"' in html


def test_hide_post_is_audited_resolves_the_group_and_hides_it_from_everyone_else(
    staff, author, post, reader
):
    reports = [report_post(post) for _ in range(2)]
    comment_report = report_comment(services.comment_create(post_id=post.pk, user=author, text="x"))
    response = staff_client(staff).post(
        f"/staff/moderation/{reports[0].pk}/",
        {"report-kind": "hide_post", "report-reason": "광고 글"},
    )
    assert response.status_code == 302
    action = ModerationAction.objects.get()
    assert action.kind == Kind.HIDE_POST and action.post_id == post.pk
    assert action.staff == staff and action.reason == "광고 글" and action.target_user == author
    assert action.report_id == reports[0].pk
    assert set(Report.objects.filter(post=post).values_list("status", flat=True)) == {"actioned"}
    comment_report.refresh_from_db()
    assert comment_report.status == "open"  # another thing: not resolved with it
    # Gone from the board and from search; a 404 for neighbours, on the page and in REST.
    assert post.pk not in [p.pk for p in selectors.post_feed(user=reader).posts]
    assert not selectors.post_feed(user=reader, q="수상한").posts
    assert not selectors.post_feed(user=author, q="수상한").posts
    assert client_for(reader).get(f"/api/community/posts/{post.pk}/").status_code == 404
    assert client_for(reader).get(f"/api/community/posts/{post.pk}/comments/").status_code == 404
    assert client_for(reader).post(f"/api/community/posts/{post.pk}/like/").status_code == 404
    neighbour = Client()
    neighbour.force_login(reader)
    assert neighbour.get(f"/community/{post.pk}/").status_code == 404
    # Its author and staff still open it, told why.
    mine = Client()
    mine.force_login(author)
    page = mine.get(f"/community/{post.pk}/")
    assert page.status_code == 200 and "숨겨진 글이에요" in page.content.decode()
    assert client_for(author).get(f"/api/community/posts/{post.pk}/").json()["hidden"] is True
    assert staff_client(staff).get(f"/community/{post.pk}/").status_code == 200


def test_hide_comment_reads_hidden_for_everyone_and_is_audited(staff, author, post, reader):
    top = services.comment_create(post_id=post.pk, user=reader, text="문제의 댓글")
    reply = services.comment_create(post_id=post.pk, user=author, text="답글", parent_id=top.pk)
    lone = services.comment_create(post_id=post.pk, user=reader, text="혼자인 댓글")
    first = report_comment(top)
    report_comment(top)
    lone_report = report_comment(lone, reporter=author)
    moderation_act(staff=staff, kind="hide_comment", reason="욕설", report=first)
    moderation_act(staff=staff, kind="hide_comment", reason="욕설", report=lone_report)
    actions = ModerationAction.objects.order_by("id")
    assert [(a.kind, a.comment_id) for a in actions] == [
        ("hide_comment", top.pk),
        ("hide_comment", lone.pk),
    ]
    assert not Report.objects.filter(status="open").exists()
    for viewer in (reader, author, staff):
        thread = selectors.post_detail(user=viewer, post_id=post.pk).comments
        assert [(c.comment.pk, c.shown_text) for c in thread] == [
            (top.pk, "숨겨진 댓글이에요"),
            (lone.pk, "숨겨진 댓글이에요"),
        ]
        assert [r.comment.pk for r in thread[0].replies] == [reply.pk]
    listed = client_for(reader).get(f"/api/community/posts/{post.pk}/comments/").json()
    first_comment = listed["comments"][0]
    assert first_comment["hidden"] and first_comment["author"] is None
    assert first_comment["text"] == "숨겨진 댓글이에요" and not first_comment["can_delete"]
    html = staff_client(reader).get(f"/community/{post.pk}/").content.decode()
    assert "숨겨진 댓글이에요" in html and "문제의 댓글" not in html
    # A hidden comment takes no reply and no report.
    answer = client_for(author).post(
        f"/api/community/posts/{post.pk}/comments/",
        {"text": "답", "parent_id": top.pk},
        format="json",
    )
    assert answer.status_code == 404


def test_hide_actions_fit_only_their_own_target_and_only_staff_act(staff, author, post, reader):
    comment = services.comment_create(post_id=post.pk, user=author, text="댓글")
    on_post = report_post(post)
    on_comment = report_comment(comment)
    with pytest.raises(ApplicationError) as refused:
        moderation_act(staff=staff, kind="hide_comment", reason="x", report=on_post)
    assert refused.value.field == "kind"
    with pytest.raises(ApplicationError):
        moderation_act(staff=staff, kind="hide_post", reason="x", report=on_comment)
    with pytest.raises(ApplicationError) as refused:
        moderation_act(staff=staff, kind="hide_post", reason=" ", report=on_post)
    assert refused.value.field == "reason"
    response = staff_client(staff).post(
        f"/staff/moderation/{on_post.pk}/",
        {"report-kind": "hide_comment", "report-reason": "x"},
    )
    assert response.status_code == 400
    outsider = Client()
    outsider.force_login(reader)
    assert (
        outsider.post(
            f"/staff/moderation/{on_post.pk}/", {"report-kind": "hide_post", "report-reason": "x"}
        ).status_code
        == 404
    )
    assert not ModerationAction.objects.exists()
    post.refresh_from_db()
    assert post.hidden_at is None
    # A post deleted for good after the report: nothing to hide, said on the kind.
    Post.objects.filter(pk=post.pk).delete()
    on_post.refresh_from_db()
    assert on_post.post_id is None and on_post.snapshot["title"] == "수상한 나눔"
    with pytest.raises(ApplicationError) as refused:
        moderation_act(staff=staff, kind="hide_post", reason="x", report=on_post)
    assert refused.value.field == "kind"
    # Other actions still apply (warn the author).
    moderation_act(staff=staff, kind="warn", reason="광고", report=on_post)
    assert ModerationAction.objects.get().kind == Kind.WARN


def test_the_log_lists_hide_actions(staff, author, post):
    moderation_act(staff=staff, kind="hide_post", reason="광고", report=report_post(post))
    html = staff_client(staff).get("/staff/moderation/log/").content.decode()
    assert "동네생활 글 숨김" in html and "광고" in html and "동네생활 글: 수상한 나눔" in html
