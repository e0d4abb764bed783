"""동네생활 pages: the board, a post (with htmx partials), write/edit, and the post's actions.

Each view parses a form, calls one service, renders. With htmx an action answers only the
part of the page it changed (``_panel.html`` for like/궁금해요/해결됨/나눔 state,
``_comments.html`` for the thread); without JavaScript the same forms post and redirect back,
or re-render the page with the refusal next to what was refused.
"""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from mealbuddy.accounts.throttling import write_throttled
from mealbuddy.community import selectors, services
from mealbuddy.community.access import access_post
from mealbuddy.community.forms import CommentForm, PostForm, initial_from
from mealbuddy.community.models import Post
from mealbuddy.community.share_chat import share_chat_for
from mealbuddy.core.errors import ApplicationError
from mealbuddy.core.forms import add_service_errors
from mealbuddy.core.input import id_or_none

Topic = Post.Topic
PAGE_SIZE = 20


def _error_page(request, exc: ApplicationError):
    return render(request, "community/error.html", {"message": exc.message}, status=exc.status_code)


# --- board ------------------------------------------------------------------------------------


def _filters(request) -> dict:
    params = request.GET
    topic = params.get("topic", "")
    sort = params.get("sort", "")
    return {
        "topic": topic if topic in Topic.values else "",
        "q": " ".join(selectors.search_words(params.get("q", "")[:200])),
        "sort": sort if sort in selectors.SORTS else "newest",
        # Bordering 동 are in unless asked out, as on the order board.
        "neighbours": params.get("neighbours", "1") not in ("0", "false", "off"),
    }


def _board_url(filters: dict, **changes) -> str:
    values = {**filters, **changes}
    query = {}
    for key in ("topic", "q"):
        if values.get(key):
            query[key] = values[key]
    if values["sort"] != "newest":
        query["sort"] = values["sort"]
    if not values["neighbours"]:
        query["neighbours"] = "0"
    if values.get("cursor"):
        query["cursor"] = values["cursor"]
    url = reverse("community:board")
    return f"{url}?{urlencode(query)}" if query else url


@login_required
def board(request):
    filters = _filters(request)
    page = selectors.post_feed(
        user=request.user,
        topic=filters["topic"],
        q=filters["q"],
        sort=filters["sort"],
        include_neighbours=filters["neighbours"],
        cursor=request.GET.get("cursor", ""),
        limit=PAGE_SIZE,
    )
    chips = [("", "전체"), *Topic.choices]
    context = {
        "posts": page.posts,
        "filters": filters,
        "first_page": not request.GET.get("cursor"),
        "next_url": _board_url(filters, cursor=page.next_cursor) if page.next_cursor else "",
        "topic_chips": [
            {"value": v, "label": label, "url": _board_url(filters, topic=v)} for v, label in chips
        ],
        "sort_chips": [
            {"value": v, "label": label, "url": _board_url(filters, sort=v)}
            for v, label in selectors.SORTS.items()
        ],
        "neighbours_url": _board_url(filters, neighbours=not filters["neighbours"]),
        "clear_url": _board_url(filters, q=""),
    }
    if request.htmx and not request.htmx.history_restore_request:
        if request.htmx.target == "community-board":
            response = render(request, "community/_board.html", context)
            response["HX-Push-Url"] = _board_url(filters)
        else:
            response = render(request, "community/_feed_page.html", context)
    else:
        response = render(request, "community/board.html", context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


# --- one post ---------------------------------------------------------------------------------


def _detail_context(request, pk: int, *, comments_cursor: str = "", **extra) -> dict:
    detail = selectors.post_detail(user=request.user, post_id=pk)
    if comments_cursor:
        # Without JavaScript, "댓글 더 보기" opens the post with the thread from that page.
        page = selectors.comment_page(post=detail.post, user=request.user, cursor=comments_cursor)
        detail = dataclasses.replace(detail, comments=page.comments, comments_next=page.next_cursor)
    return {
        "comments_cursor": comments_cursor,
        "detail": detail,
        "post": detail.post,
        "share_chat": share_chat_for(post=detail.post, user=request.user),
        "comment_form": extra.pop("comment_form", None) or CommentForm(),
        **extra,
    }


@login_required
def detail(request, pk: int):
    cursor = request.GET.get("comments", "")[:20]
    if cursor and request.htmx and not request.htmx.history_restore_request:
        # "댓글 더 보기": only the next page of the thread, replacing the button.
        try:
            post = access_post(user=request.user, id=pk)
        except ApplicationError as exc:
            return _error_page(request, exc)
        page = selectors.comment_page(post=post, user=request.user, cursor=cursor)
        response = render(
            request,
            "community/_comment_items.html",
            {"post": post, "comments": page.comments, "next_cursor": page.next_cursor},
        )
    else:
        try:
            context = _detail_context(request, pk, comments_cursor=cursor)
        except ApplicationError as exc:
            return _error_page(request, exc)
        response = render(request, "community/detail.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _after(
    request,
    pk: int,
    *,
    error: ApplicationError | None = None,
    part: str = "panel",
    comments_cursor: str = "",
):
    """htmx: the refreshed part (with the refusal in it); otherwise back to the post, or the
    post again with the refusal shown."""
    try:
        context = _detail_context(request, pk, action_error=error, comments_cursor=comments_cursor)
    except ApplicationError as exc:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("community:board")
            return response
        return _error_page(request, exc)
    if request.htmx:
        return render(request, f"community/_{part}.html", context)
    if error is not None:
        return render(request, "community/detail.html", context, status=error.status_code)
    return redirect("community:detail", pk=pk)


def _choice(raw) -> bool | None:
    if raw in ("1", "on", "true"):
        return True
    if raw in ("0", "off", "false"):
        return False
    return None


def _run(request, pk: int, service, **kwargs):
    try:
        service(post_id=pk, user=request.user, **kwargs)
    except ApplicationError as exc:
        return _after(request, pk, error=exc)
    return _after(request, pk)


@login_required
@require_POST
def like(request, pk: int):
    return _run(request, pk, services.post_like_toggle, liked=_choice(request.POST.get("on")))


@login_required
@require_POST
def curious(request, pk: int):
    return _run(request, pk, services.post_curious_toggle, curious=_choice(request.POST.get("on")))


@login_required
@require_POST
def solve(request, pk: int):
    return _run(
        request, pk, services.post_solve, solved=_choice(request.POST.get("on")) is not False
    )


@login_required
@require_POST
def share_state(request, pk: int):
    return _run(request, pk, services.share_state_set, state=request.POST.get("state", ""))


@login_required
@write_throttled("comment")
@require_POST
def comment(request, pk: int):
    form = CommentForm(request.POST)
    parent_id = id_or_none(request.POST.get("parent_id"))
    if form.is_valid():
        try:
            created = services.comment_create(
                post_id=pk, user=request.user, text=form.cleaned_data["text"], parent_id=parent_id
            )
        except ApplicationError as exc:
            if exc.field is None:  # the post or comment is gone, or the writer is restricted
                return _after(request, pk, error=exc, part="comments")
            add_service_errors(form, exc)
        else:
            # The thread opens at the page holding the new comment (past the first 50).
            cursor = selectors.comment_page_cursor(comment=created)
            if request.htmx:
                return _after(request, pk, part="comments", comments_cursor=cursor)
            query = f"?{urlencode({'comments': cursor})}" if cursor else ""
            return redirect(
                reverse("community:detail", kwargs={"pk": pk}) + f"{query}#comment-{created.pk}"
            )
    try:
        context = _detail_context(request, pk, comment_form=form, reply_to=parent_id)
    except ApplicationError as exc:
        return _error_page(request, exc)
    if request.htmx:
        return render(request, "community/_comments.html", context)
    return render(request, "community/detail.html", context, status=400)


@login_required
@require_POST
def comment_delete(request, comment_id: int):
    from mealbuddy.community.models import Comment

    post_id = Comment.objects.filter(pk=comment_id).values_list("post_id", flat=True).first()
    try:
        services.comment_delete(comment_id=comment_id, user=request.user)
    except ApplicationError as exc:
        if post_id is None:
            return _error_page(request, exc)
        return _after(request, post_id, error=exc, part="comments")
    return _after(request, post_id, part="comments")


# --- write, edit, delete ----------------------------------------------------------------------


def _form_page(request, form, *, editing=None, status: int = 200):
    return render(request, "community/form.html", {"form": form, "editing": editing}, status=status)


@login_required
@write_throttled("community")
def write(request):
    orders = selectors.linkable_group_orders(user=request.user)
    if request.method == "POST":
        form = PostForm(request.POST, request.FILES, orders=orders)
        if form.is_valid():
            try:
                post = services.post_create(
                    author=request.user, photos=form.cleaned_data["photos"], **form.service_data()
                )
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "글을 올렸어요.")
                return redirect("community:detail", pk=post.pk)
        return _form_page(request, form, status=400)
    topic = request.GET.get("topic")
    form = PostForm(
        orders=orders, initial={"topic": topic if topic in Topic.values else Topic.NEWS}
    )
    return _form_page(request, form)


@login_required
@write_throttled("community")
def edit(request, pk: int):
    try:
        post = access_post(user=request.user, id=pk, require_editor=True)
    except ApplicationError as exc:
        return _error_page(request, exc)
    orders = selectors.linkable_group_orders(user=post.author)
    if post.group_order_id and post.group_order_id not in {o.pk for o in orders}:
        orders.append(post.group_order)  # linked before the author left it: keep it choosable
    photos = list(post.photos.order_by("id"))
    if request.method == "POST":
        form = PostForm(request.POST, request.FILES, orders=orders, photos=photos)
        if form.is_valid():
            try:
                services.post_update(
                    post_id=pk,
                    user=request.user,
                    add_photos=form.cleaned_data["photos"],
                    remove_photo_ids=form.cleaned_data["remove_photos"],
                    **form.service_data(),
                )
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "글을 고쳤어요.")
                return redirect("community:detail", pk=pk)
        return _form_page(request, form, editing=post, status=400)
    form = PostForm(initial=initial_from(post), orders=orders, photos=photos)
    return _form_page(request, form, editing=post)


@login_required
@require_POST
def delete(request, pk: int):
    try:
        services.post_delete(post_id=pk, user=request.user)
    except ApplicationError as exc:
        return _error_page(request, exc)
    messages.success(request, "글을 지웠어요.")
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("community:board")
        return response
    return redirect("community:board")
