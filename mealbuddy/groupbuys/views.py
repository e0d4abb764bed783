"""Group-order pages: the board, detail (with htmx partials), write/edit, member actions.

Each view parses a form, calls one service, renders. With htmx a view answers only the
part of the page it changed (``_feed_page.html``, ``_panel.html``, ``_summary.html``);
without JavaScript the same forms post and redirect back.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mealbuddy.accounts.throttling import write_throttled
from mealbuddy.core.errors import ApplicationError, NotFound, PermissionDenied
from mealbuddy.core.input import id_or_none, page_number
from mealbuddy.groupbuys import selectors, services
from mealbuddy.groupbuys.access import access_group_order
from mealbuddy.groupbuys.forms import GroupOrderForm, ItemForm, add_service_errors, initial_from
from mealbuddy.groupbuys.models import CATEGORIES, GroupOrder, OrderItem

PAGE_SIZE = 10
Status = GroupOrder.Status


def _error_page(request, exc: ApplicationError):
    return render(request, "groupbuys/error.html", {"message": exc.message}, status=exc.status_code)


def _order_or_error(request, pk: int):
    try:
        return access_group_order(user=request.user, id=pk), None
    except (NotFound, PermissionDenied) as exc:
        return None, _error_page(request, exc)


# --- board ------------------------------------------------------------------------------------


def _feed_filters(request) -> dict:
    params = request.GET
    category = params.get("category", "")
    status = params.get("status", "")
    sort = params.get("sort", "newest")
    return {
        "category": category if category in CATEGORIES else "",
        "status": status if status in Status.values else "",
        "q": params.get("q", "").strip()[:50],
        "sort": sort if sort in selectors.SORTS else "newest",
        "neighbours": params.get("neighbours") in ("1", "on", "true"),
    }


@login_required
def board(request):
    filters = _feed_filters(request)
    page = page_number(request.GET.get("page"))
    queryset = selectors.group_order_feed(
        user=request.user,
        category=filters["category"],
        status=filters["status"],
        q=filters["q"],
        sort=filters["sort"],
        include_neighbours=filters["neighbours"],
    )
    start = (page - 1) * PAGE_SIZE
    rows = list(queryset[start : start + PAGE_SIZE + 1])
    orders = rows[:PAGE_SIZE]
    joined = selectors.joined_ids(user=request.user, group_order_ids=[o.pk for o in orders])
    cards = [
        {"order": o, "joined": o.pk in joined, "share": selectors.would_be_share(o)} for o in orders
    ]
    query = request.GET.copy()
    query["page"] = page + 1
    context = {
        "cards": cards,
        "filters": filters,
        "page": page,
        "next_url": f"{reverse('groupbuys:board')}?{query.urlencode()}"
        if len(rows) > PAGE_SIZE
        else "",
        "categories": CATEGORIES,
        "statuses": Status.choices,
        "sorts": selectors.SORTS,
    }
    if request.htmx:
        return render(request, "groupbuys/_feed_page.html", context)
    return render(request, "groupbuys/board.html", context)


# --- detail -----------------------------------------------------------------------------------


def _detail_context(request, group_order: GroupOrder, **extra) -> dict:
    members = selectors.group_order_members(group_order=group_order)
    breakdown = selectors.fee_breakdown(group_order, members=members)
    mine = breakdown.share_for(request.user.pk)
    # What the viewer may do, from the services' own rules: the templates only show it.
    actions = selectors.group_order_actions(
        group_order=group_order,
        user=request.user,
        is_member=mine is not None,
        items_total=breakdown.items_total,
    )
    context = {
        "order": group_order,
        "breakdown": breakdown,
        "mine": mine,
        "actions": actions,
        "is_member": actions.is_member,
        "is_host": actions.is_host,
        "share": selectors.would_be_share(group_order),
        "current": group_order.current_status(),
        "item_form": ItemForm(),
        "chat_url": f"/chats/{group_order.chat_room.pk}/",
    }
    context.update(extra)
    return context


@login_required
def detail(request, pk: int):
    group_order, error = _order_or_error(request, pk)
    if error:
        return error
    context = _detail_context(request, group_order)
    if request.htmx and request.GET.get("part") == "summary":
        return render(request, "groupbuys/_summary.html", context)
    return render(request, "groupbuys/detail.html", context)


def _after_action(request, pk: int, *, error: ApplicationError | None = None, **extra):
    """htmx: the refreshed panel (errors shown in it); otherwise back to the page."""
    if request.htmx:
        group_order, failure = _order_or_error(request, pk)
        if failure:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("groupbuys:board")
            return response
        context = _detail_context(request, group_order, action_error=error, **extra)
        return render(request, "groupbuys/_panel.html", context)
    if error is not None:
        messages.error(request, error.message)
    return redirect("groupbuys:detail", pk=pk)


def _action(service, **kwargs):
    try:
        service(**kwargs)
    except ApplicationError as exc:
        return exc
    return None


@login_required
@write_throttled("join")
@require_POST
def join(request, pk: int):
    error = _action(services.groupbuy_join, group_order_id=pk, user=request.user)
    return _after_action(request, pk, error=error)


@login_required
@require_POST
def leave(request, pk: int):
    error = _action(services.groupbuy_leave, group_order_id=pk, user=request.user)
    return _after_action(request, pk, error=error)


@login_required
@require_POST
def status_change(request, pk: int):
    error = _action(
        services.groupbuy_status_change,
        group_order_id=pk,
        user=request.user,
        status=request.POST.get("status", ""),
    )
    return _after_action(request, pk, error=error)


@login_required
@require_POST
def ban(request, pk: int):
    error = _action(
        services.groupbuy_ban,
        group_order_id=pk,
        host=request.user,
        target_user_id=id_or_none(request.POST.get("user_id")),
    )
    return _after_action(request, pk, error=error)


@login_required
@write_throttled("item")
@require_POST
def item_add(request, pk: int):
    form = ItemForm(request.POST)
    if form.is_valid():
        try:
            services.item_add(group_order_id=pk, user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_action(request, pk)
    if request.htmx:
        return _after_action(request, pk, item_form=form)
    group_order, error = _order_or_error(request, pk)
    if error:
        return error
    return render(
        request,
        "groupbuys/detail.html",
        _detail_context(request, group_order, item_form=form),
        status=400,
    )


def _item_order_id(request, item_id: int) -> int | None:
    return (
        OrderItem.objects.filter(pk=item_id, participation__user=request.user)
        .values_list("participation__group_order_id", flat=True)
        .first()
    )


@login_required
@require_POST
def item_update(request, item_id: int):
    pk = _item_order_id(request, item_id)
    if pk is None:
        return _error_page(request, NotFound("메뉴를 찾을 수 없습니다."))
    form = ItemForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return _after_action(request, pk, error=ApplicationError(first))
    error = _action(services.item_update, item_id=item_id, user=request.user, **form.cleaned_data)
    return _after_action(request, pk, error=error)


@login_required
@require_POST
def item_delete(request, item_id: int):
    pk = _item_order_id(request, item_id)
    if pk is None:
        return _error_page(request, NotFound("메뉴를 찾을 수 없습니다."))
    error = _action(services.item_delete, item_id=item_id, user=request.user)
    return _after_action(request, pk, error=error)


# --- write, edit, delete ------------------------------------------------------------------------


@login_required
@write_throttled("post")
def write(request):
    if request.method == "POST":
        form = GroupOrderForm(request.POST)
        if form.is_valid():
            try:
                group_order = services.groupbuy_create(host=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "모집글을 올렸어요. 이웃을 기다려 볼까요?")
                return redirect("groupbuys:detail", pk=group_order.pk)
        return render(request, "groupbuys/form.html", {"form": form, "editing": None}, status=400)
    initial = {}
    if request.GET.get("category") in CATEGORIES:
        initial["category"] = request.GET["category"]
    form = GroupOrderForm(initial=initial)
    return render(request, "groupbuys/form.html", {"form": form, "editing": None})


@login_required
def edit(request, pk: int):
    try:
        group_order = access_group_order(user=request.user, id=pk, require_host=True)
    except (NotFound, PermissionDenied) as exc:
        return _error_page(request, exc)
    context = {"editing": group_order}
    if not group_order.is_editable:
        context["locked"] = "주문이 완료된 뒤에는 상태 말고는 바꿀 수 없습니다."
        return render(request, "groupbuys/form.html", context, status=400)
    if request.method == "POST":
        form = GroupOrderForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            # The form shows minutes only: an untouched deadline keeps its exact value.
            shown = timezone.localtime(group_order.deadline).replace(second=0, microsecond=0)
            if data["deadline"] == shown:
                data.pop("deadline")
            try:
                services.groupbuy_update(group_order_id=pk, user=request.user, **data)
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "모집글을 고쳤어요.")
                return redirect("groupbuys:detail", pk=pk)
        context["form"] = form
        return render(request, "groupbuys/form.html", context, status=400)
    context["form"] = GroupOrderForm(initial=initial_from(group_order))
    return render(request, "groupbuys/form.html", context)


@login_required
@require_POST
def delete(request, pk: int):
    try:
        services.groupbuy_delete(group_order_id=pk, user=request.user)
    except ApplicationError as exc:
        return _error_page(request, exc)
    messages.success(request, "모집글을 지웠어요.")
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("groupbuys:board")
        return response
    return redirect("groupbuys:board")
