"""후기 pages: rate the people of an order (one card each), and "받은 후기".

Each card is its own form: without JavaScript it posts and comes back to the page (or the
page again with the refusal on that card); with htmx only the card is swapped.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from mealbuddy.accounts.throttling import write_throttled
from mealbuddy.core.errors import ApplicationError, NotFound
from mealbuddy.core.input import id_or_none, page_number
from mealbuddy.trust import reviews
from mealbuddy.trust.errors import ReviewRefused
from mealbuddy.trust.models import NEGATIVE_TAGS, POSITIVE_TAGS, ReviewTag
from mealbuddy.trust.selectors import standing_of

RECEIVED_PAGE_SIZE = 20
GOOD_TAGS = [(tag, ReviewTag(tag).label) for tag in ReviewTag.values if tag in POSITIVE_TAGS]
BAD_TAGS = [(tag, ReviewTag(tag).label) for tag in ReviewTag.values if tag in NEGATIVE_TAGS]
THUMBS = {"1": True, "0": False}


def _page_context(request, group_order, found, **extra) -> dict:
    return {
        "order": group_order,
        "found": found,
        "days_left": found.window.days_left() if found.open else None,
        "good_tags": GOOD_TAGS,
        "bad_tags": BAD_TAGS,
        "text_max": reviews.REVIEW_TEXT_MAX,
        **extra,
    }


def _order_or_404(request, pk):
    try:
        return reviews.review_access_order(user=request.user, id=pk), None
    except NotFound as exc:
        response = render(
            request, "groupbuys/error.html", {"message": exc.message}, status=exc.status_code
        )
        return None, response


@login_required
@write_throttled("post")
def review_page(request, pk: int):
    group_order, failure = _order_or_404(request, pk)
    if failure:
        return failure
    if request.method == "POST":
        return _submit(request, group_order)
    found = reviews.review_targets(user=request.user, group_order=group_order)
    done = id_or_none(request.GET.get("done"))
    return render(
        request, "trust/reviews.html", _page_context(request, group_order, found, done=done)
    )


def _submit(request, group_order):
    data = request.POST
    reviewee_id = id_or_none(data.get("reviewee_id"))
    error: ApplicationError | None = None
    try:
        if reviewee_id is None:
            raise ReviewRefused("후기를 남길 사람을 골라 주세요.", field="reviewee_id")
        positive = THUMBS.get(data.get("positive", ""))
        if positive is None:
            raise ReviewRefused("좋았는지 아쉬웠는지 골라 주세요.", field="positive")
        reviews.review_create(
            reviewer=request.user,
            group_order=group_order,
            reviewee=reviewee_id,
            positive=positive,
            tags=data.getlist("tags"),
            text=data.get("text", ""),
        )
    except ApplicationError as exc:
        error = exc
    found = reviews.review_targets(user=request.user, group_order=group_order)
    if request.htmx:
        target = next((t for t in found.targets if t.user.pk == reviewee_id), None)
        if target is not None:
            context = _page_context(
                request,
                group_order,
                found,
                target=target,
                error=error,
                error_for=reviewee_id,
                posted=data,
                posted_tags=data.getlist("tags"),
                done=None if error else reviewee_id,
            )
            return render(request, "trust/review_card.html", context)
    if error is None:
        url = reverse("trust:reviews", kwargs={"pk": group_order.pk})
        return redirect(f"{url}?done={reviewee_id}#review-{reviewee_id}")
    context = _page_context(
        request,
        group_order,
        found,
        error=error,
        error_for=reviewee_id,
        posted=data,
        posted_tags=data.getlist("tags"),
    )
    return render(request, "trust/reviews.html", context, status=error.status_code)


@login_required
def reviews_received_page(request):
    page = page_number(request.GET.get("page"))
    start = (page - 1) * RECEIVED_PAGE_SIZE
    rows = reviews.reviews_received(user=request.user, limit=RECEIVED_PAGE_SIZE + 1, offset=start)
    return render(
        request,
        "trust/reviews_received.html",
        {
            "standing": standing_of(request.user),
            "rows": [
                {"review": r, "tags": reviews.tag_labels(r.tags)} for r in rows[:RECEIVED_PAGE_SIZE]
            ],
            "page": page,
            "has_next": len(rows) > RECEIVED_PAGE_SIZE,
        },
    )
