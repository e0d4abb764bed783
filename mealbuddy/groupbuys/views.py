"""Group-order pages: the board, detail (with htmx partials), write/edit, member actions,
and the 정산 section's actions (settlement and handoff).

Each view parses a form, calls one service, renders. With htmx a view answers only the
part of the page it changed (``_feed_page.html``, ``_panel.html``, ``_summary.html``,
``_settlement.html``); without JavaScript the same forms post and redirect back, or
re-render the page with the refusal next to what was refused.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from mealbuddy.accounts.throttling import write_throttled
from mealbuddy.core.errors import ApplicationError, NotFound, PermissionDenied
from mealbuddy.core.forms import add_service_errors
from mealbuddy.core.input import id_or_none, page_number
from mealbuddy.groupbuys import selectors, services, settlement
from mealbuddy.groupbuys.access import access_group_order
from mealbuddy.groupbuys.forms import (
    GroupOrderForm,
    ItemForm,
    MemberPrefsForm,
    ReceiptForm,
    initial_from,
)
from mealbuddy.groupbuys.models import CATEGORIES, GroupOrder, OrderItem, category_label
from mealbuddy.groupbuys.prefill import write_initial
from mealbuddy.trust.reviews import review_entry

PAGE_SIZE = 10
Status = GroupOrder.Status


def _error_page(request, exc: ApplicationError):
    return render(request, "groupbuys/error.html", {"message": exc.message}, status=exc.status_code)


def _order_or_error(request, pk: int):
    try:
        return access_group_order(user=request.user, id=pk, visible=True), None
    except (NotFound, PermissionDenied) as exc:
        return None, _error_page(request, exc)


# --- board ------------------------------------------------------------------------------------


def _feed_filters(request) -> dict:
    params = request.GET
    category = params.get("category", "")
    status = params.get("status", "")
    sort = params.get("sort", "")
    return {
        "category": category if category in CATEGORIES else "",
        "status": status if status in Status.values else "",
        "q": params.get("q", "").strip()[:50],
        "sort": sort if sort in selectors.SORTS else selectors.BOARD_SORT,
        # Bordering 동 are in unless asked out: "0" from the chip, or from the sheet's hidden
        # field when its box is unticked (a ticked box sends "1" after it, and the last wins).
        "neighbours": params.get("neighbours", "1") not in ("0", "false", "off"),
        # "인증된 방장만": hosts whose 동 is verified now.
        "verified": params.get("verified", "") in ("1", "true", "on"),
    }


def _board_url(filters: dict, **changes) -> str:
    """The board's address for ``filters`` with ``changes``; defaults are left out."""
    values = {**filters, **changes}
    query = {}
    for key in ("category", "status", "q"):
        if values.get(key):
            query[key] = values[key]
    if values["sort"] != selectors.BOARD_SORT:
        query["sort"] = values["sort"]
    if not values["neighbours"]:
        query["neighbours"] = "0"
    if values.get("verified"):
        query["verified"] = "1"
    if values.get("page", 1) > 1:
        query["page"] = values["page"]
    url = reverse("groupbuys:board")
    return f"{url}?{urlencode(query)}" if query else url


def _board_filters_context(filters: dict) -> dict:
    """The chips and the 필터 sheet: every link already carries the other filters."""
    chips = [("", "전체")] + [(c, category_label(c)) for c in CATEGORIES]
    sheet_labels = []
    if filters["q"]:
        sheet_labels.append(f"‘{filters['q']}’ 검색")
    if filters["status"]:
        sheet_labels.append(Status(filters["status"]).label)
    if filters["sort"] != selectors.BOARD_SORT:
        sheet_labels.append(selectors.SORTS[filters["sort"]])
    if filters["verified"]:
        sheet_labels.append("인증된 방장만")
    return {
        "category_chips": [
            {"value": value, "label": label, "url": _board_url(filters, category=value)}
            for value, label in chips
        ],
        "neighbours_url": _board_url(filters, neighbours=not filters["neighbours"]),
        "sheet_labels": sheet_labels,
        "clear_url": _board_url(
            filters, q="", status="", sort=selectors.BOARD_SORT, verified=False
        ),
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
        for_cards=True,
        verified_hosts=filters["verified"],
    )
    start = (page - 1) * PAGE_SIZE
    rows = list(queryset[start : start + PAGE_SIZE + 1])
    cards = selectors.group_order_cards(user=request.user, group_orders=rows[:PAGE_SIZE])
    context = {
        "cards": cards,
        "filters": filters,
        "page": page,
        "next_url": _board_url(filters, page=page + 1) if len(rows) > PAGE_SIZE else "",
        "statuses": Status.choices,
        "sorts": selectors.SORTS,
        **_board_filters_context(filters),
    }
    # htmx: the chips and the 필터 sheet swap the whole #board (hx-target="#board"); "더 보기"
    # appends a page. A history restore asks for the full page again.
    if request.htmx and not request.htmx.history_restore_request:
        if request.htmx.target == "board":
            response = render(request, "groupbuys/_board.html", context)
            response["HX-Push-Url"] = _board_url(filters)
        else:
            response = render(request, "groupbuys/_feed_page.html", context)
    else:
        response = render(request, "groupbuys/board.html", context)
    # The same address answers a page or a part of it: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


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
        "current": group_order.current_status(),
        "item_form": ItemForm(),
        "chat_url": f"/chats/{group_order.chat_room.pk}/",
        "hidden_note": selectors.HIDDEN_ORDER_NOTE if group_order.hidden_at else "",
        "preview": None,
    }
    if actions.is_member:
        context.update(_settlement_context(request, group_order, members=members))
    elif actions.join.allowed:
        # Exactly what joining gives now (a visitor who may not join sees why instead); on a
        # prepaid order, what the join holds: the newcomer's fee share and the deposit.
        context["preview"] = selectors.join_preview(group_order, breakdown)
        context["join_hold"] = selectors.join_hold(group_order, breakdown)
    context["primary"] = selectors.group_order_primary_action(
        group_order=group_order,
        actions=actions,
        breakdown=breakdown,
        settlement=context.get("settlement"),
        preview=context["preview"],
    )
    context["timeline"] = selectors.group_order_timeline(
        group_order=group_order, settlement=context.get("settlement"), members=members
    )
    # 후기 (issue 12): "후기 남기기" once the order is over, from trust.reviews' own rule.
    context["review_entry"] = review_entry(
        user=request.user, group_order=group_order, is_member=actions.is_member, members=members
    )
    # 정기 모집 (issue 14): the series this order repeats in, or the host's offer to make one.
    from mealbuddy.series.selectors import order_series_section

    context["series_section"] = order_series_section(group_order=group_order, user=request.user)
    context.update(extra)
    return context


def _settlement_context(request, group_order: GroupOrder, members=None) -> dict:
    """The 정산 section for a member: every line and action from the settlement selector."""
    summary = selectors.group_order_settlement(
        group_order=group_order, user=request.user, members=members
    )
    me = summary.mine.participation
    return {
        "settlement": summary,
        "prefs_form": MemberPrefsForm(
            initial={"spending_cap": me.spending_cap, "use_points": me.use_points}
        ),
        "receipt_form": ReceiptForm(),
    }


@login_required
def detail(request, pk: int):
    group_order, error = _order_or_error(request, pk)
    if error:
        return error
    # "참여했어요" after a join without JavaScript (the join redirects here, to 내 메뉴).
    context = _detail_context(request, group_order, joined=request.GET.get("joined") == "1")
    if request.htmx and request.GET.get("part") == "summary":
        # The live refresh (the page's socket said the order changed): the summary, and out
        # of band the sticky bar and the timeline, never a form someone may be typing in.
        return render(request, "groupbuys/_live.html", context)
    return render(request, "groupbuys/detail.html", context)


def _to_board():
    response = HttpResponse(status=204)
    response["HX-Redirect"] = reverse("groupbuys:board")
    return response


def _after_action(
    request, pk: int, *, error: ApplicationError | None = None, anchor: str = "", **extra
):
    """htmx: the refreshed panel (errors shown in it, or what happened: ``extra`` flags such
    as ``joined``); otherwise back to the page (at ``anchor``), or the page again with the
    refusal in the panel (a "충전하기" link needs more than a message)."""
    if request.htmx:
        group_order, failure = _order_or_error(request, pk)
        if failure:
            return _to_board()
        context = _detail_context(request, group_order, action_error=error, **extra)
        return render(request, "groupbuys/_panel.html", context)
    if error is not None:
        group_order, failure = _order_or_error(request, pk)
        if failure:
            # The order is not the viewer's to see (e.g. a refused join between two people
            # who blocked each other): the refusal itself, not a bare "not found".
            return _error_page(request, error)
        context = _detail_context(request, group_order, action_error=error)
        return render(request, "groupbuys/detail.html", context, status=error.status_code)
    if anchor:
        return redirect(reverse("groupbuys:detail", kwargs={"pk": pk}) + anchor)
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
    error = _action(
        services.groupbuy_join,
        group_order_id=pk,
        user=request.user,
        use_points=_checked(request.POST.get("use_points")),
    )
    if error is not None:
        return _after_action(request, pk, error=error)
    # The page moves to 내 메뉴 and says so (htmx: the note takes the focus).
    return _after_action(request, pk, joined=True, anchor="?joined=1#my-items")


def _checked(raw) -> bool:
    return raw in ("1", "on", "true")


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
            return _after_action(request, pk, item_added=True, anchor="#my-items")
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
        return _error_page(request, NotFound("메뉴를 찾을 수 없어요."))
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
        return _error_page(request, NotFound("메뉴를 찾을 수 없어요."))
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
                group_order = services.groupbuy_create(host=request.user, **form.service_data())
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "모집글을 올렸어요. 이웃을 기다려 볼까요?")
                return redirect("groupbuys:detail", pk=group_order.pk)
        return render(request, "groupbuys/form.html", {"form": form, "editing": None}, status=400)
    form = GroupOrderForm(initial=write_initial(query=request.GET, user=request.user))
    return render(request, "groupbuys/form.html", {"form": form, "editing": None})


@login_required
def edit(request, pk: int):
    try:
        group_order = access_group_order(user=request.user, id=pk, require_host=True)
    except (NotFound, PermissionDenied) as exc:
        return _error_page(request, exc)
    context = {"editing": group_order}
    if not group_order.is_editable:
        context["locked"] = "주문이 완료된 뒤에는 상태 말고는 바꿀 수 없어요."
        return render(request, "groupbuys/form.html", context, status=400)
    if request.method == "POST":
        form = GroupOrderForm(request.POST)
        if form.is_valid():
            data = form.service_data()
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


# --- 정산: settlement and handoff (the section's own forms) ------------------------------------


def _settlement_member(request, pk: int):
    """The order and ``None`` when the viewer is a member; otherwise the error page (404 for
    a missing order, 403 for anyone not in it: the section is only theirs)."""
    group_order, error = _order_or_error(request, pk)
    if error:
        return None, error
    if not selectors.is_member(group_order=group_order, user=request.user):
        return None, _error_page(request, PermissionDenied("참여한 사람만 정산할 수 있어요."))
    return group_order, None


def _after_settlement(
    request,
    pk: int,
    *,
    error: ApplicationError | None = None,
    in_form: bool = False,
    done: str = "",
    **forms,
):
    """htmx: the refreshed 정산 section (the refusal or what happened shown in it) and, out of
    band, the summary and the host menu it may have changed; otherwise back to the section,
    or the page again with the refusal in the section. ``in_form``: the refusal is already
    on the form passed in (next to its field), not repeated at the top."""
    if not request.htmx and error is None:
        if done:
            messages.success(request, done)
        return redirect(reverse("groupbuys:detail", kwargs={"pk": pk}) + "#settlement")
    group_order, failure = _order_or_error(request, pk)
    if failure:
        return _to_board() if request.htmx else failure
    context = _detail_context(
        request,
        group_order,
        settlement_error=None if in_form else error,
        settlement_done=done,
    )
    if "settlement" not in context:  # no longer a member (removed meanwhile)
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return redirect("groupbuys:detail", pk=pk)
    context.update(forms)
    if request.htmx:
        return render(request, "groupbuys/_settlement_swap.html", context)
    return render(request, "groupbuys/detail.html", context, status=error.status_code)


def _form_refusal(form, exc: ApplicationError) -> bool:
    """Put a service refusal on ``form`` when it names one of its fields (True); a refusal
    about the action itself stays for the section's alert (False): the form may be gone."""
    if not set(exc.as_errors()) & set(form.fields):
        return False
    add_service_errors(form, exc)
    return True


def _first_error(form) -> ApplicationError:
    field, errors = next(iter(form.errors.items()))
    return ApplicationError(errors[0], field=field)


def _settlement_action(request, pk: int, service, *, done: str, **kwargs):
    group_order, failure = _settlement_member(request, pk)
    if failure:
        return failure
    error = _action(service, group_order_id=pk, user=request.user, **kwargs)
    return _after_settlement(request, pk, error=error, done="" if error else done)


@login_required
@require_POST
def settlement_arrived(request, pk: int):
    return _settlement_action(
        request,
        pk,
        settlement.groupbuy_arrived,
        done="도착을 알렸어요. 멤버들에게 수령 장소를 보냈어요.",
    )


@login_required
@require_POST
def settlement_received(request, pk: int):
    return _settlement_action(
        request, pk, settlement.groupbuy_received, done="받았다고 알렸어요. 맛있게 드세요!"
    )


@login_required
@require_POST
def settlement_noshow(request, pk: int):
    return _settlement_action(
        request,
        pk,
        settlement.groupbuy_noshow,
        done="노쇼로 신고했어요.",
        target_user_id=id_or_none(request.POST.get("user_id")),
    )


@login_required
@require_POST
def settlement_dispute(request, pk: int):
    return _settlement_action(
        request,
        pk,
        settlement.groupbuy_dispute,
        done="이의를 제기했어요. 운영팀이 확인할 때까지 보증금은 그대로 있어요.",
        target_user_id=id_or_none(request.POST.get("user_id")),
    )


@login_required
@require_POST
def settlement_sent(request, pk: int):
    return _settlement_action(
        request, pk, settlement.settlement_sent, done="송금했다고 방장에게 알렸어요."
    )


@login_required
@require_POST
def settlement_paid(request, pk: int):
    paid = request.POST.get("paid", "1") != "0"
    return _settlement_action(
        request,
        pk,
        settlement.settlement_paid,
        done="입금을 확인했어요." if paid else "입금 확인을 취소했어요.",
        target_user_id=id_or_none(request.POST.get("user_id")),
        paid=paid,
    )


@login_required
@require_POST
def settlement_remind(request, pk: int):
    group_order, failure = _settlement_member(request, pk)
    if failure:
        return failure
    try:
        count = settlement.settlement_remind(group_order_id=pk, user=request.user)
    except ApplicationError as exc:
        return _after_settlement(request, pk, error=exc)
    done = (
        f"{count}명에게 정산 요청을 보냈어요."
        if count
        else "지금 보낼 사람이 없어요. 같은 사람에게는 한 시간에 한 번 보낼 수 있어요."
    )
    return _after_settlement(request, pk, done=done)


@login_required
@require_POST
def settlement_receipt(request, pk: int):
    group_order, failure = _settlement_member(request, pk)
    if failure:
        return failure
    form = ReceiptForm(request.POST, request.FILES)
    if not form.is_valid():
        error = _first_error(form)
        return _after_settlement(request, pk, error=error, in_form=True, receipt_form=form)
    try:
        settlement.receipt_upload(
            group_order_id=pk, user=request.user, upload=form.cleaned_data["receipt"]
        )
    except ApplicationError as exc:
        in_form = _form_refusal(form, exc)
        return _after_settlement(request, pk, error=exc, in_form=in_form, receipt_form=form)
    return _after_settlement(request, pk, done="영수증 사진을 올렸어요.")


@login_required
@require_POST
def settlement_prefs(request, pk: int):
    group_order, failure = _settlement_member(request, pk)
    if failure:
        return failure
    form = MemberPrefsForm(request.POST)
    if not form.is_valid():
        error = _first_error(form)
        return _after_settlement(request, pk, error=error, in_form=True, prefs_form=form)
    try:
        services.member_prefs_set(
            group_order_id=pk,
            user=request.user,
            spending_cap=form.cleaned_data["spending_cap"],
            use_points=form.cleaned_data["use_points"],
        )
    except ApplicationError as exc:
        in_form = _form_refusal(form, exc)
        return _after_settlement(request, pk, error=exc, in_form=in_form, prefs_form=form)
    return _after_settlement(request, pk, done="내 설정을 저장했어요.")
