"""The original client's ``/api/post/*`` endpoints (API_CONTRACT.md, "Posts").

Thin views over mealbuddy.groupbuys.services. Field names follow the original client
(``content``, ``target_number``, ``join_number``, ``is_compelete`` — sic); service errors
on our field names are renamed back before they reach it.

The feed never counts the whole neighbourhood: the paginator only needs the last page
when it is at most ten pages ahead, so it reads at most ``(page + 10) * 10`` ids off the
feed index, then the page's columns as plain values (no model instances). A detail is one
query. Both are hot paths of the original client (see bench/scenarios/feed.py).
"""

from __future__ import annotations

from django.db import transaction
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.accounts.models import display_name_of
from mealbuddy.core.errors import NotFound
from mealbuddy.core.input import MAX_BIGINT, int_or_none, page_number
from mealbuddy.groupbuys import selectors, services
from mealbuddy.groupbuys.access import access_group_order
from mealbuddy.groupbuys.errors import GroupOrderValidationError
from mealbuddy.groupbuys.models import CATEGORIES, GroupOrder, status_at

TAGS = ["원본 클라이언트: 모집글"]
PAGE_SIZE = 10
WINDOW = 10
# Our field names -> the original client's.
FIELD_NAMES = {"description": "content", "target_count": "target_number"}
Status = GroupOrder.Status


def _row_payload(row: dict, *, viewer_id: int | None, now) -> dict:
    status_now = status_at(status=row["status"], deadline=row["deadline"], now=now)
    host_id = row["host_id"]
    return {
        "id": row["id"],
        "title": row["title"],
        "created_at": row["created_at"].isoformat(),
        "category": row["category"],
        "address": row["region__full_name"],
        "content": row["description"],
        "is_compelete": status_now != Status.RECRUITING,
        "target_number": row["target_count"],
        "join_number": row["member_count"],
        "chat_id": row["chat_room__id"],
        "writer": {
            "id": host_id,
            "username": display_name_of(
                username=row["host__username"], is_active=row["host__is_active"]
            ),
            "email": row["host__email"] if host_id == viewer_id else "",
        },
        "restaurant": row["restaurant"],
        "min_order_amount": row["min_order_amount"],
        "delivery_fee": row["delivery_fee"],
        "deadline": row["deadline"].isoformat(),
        "pickup_spot": row["pickup_spot"],
        "status": status_now,
        "fee_split": row["fee_split"],
    }


def post_payload(group_order: GroupOrder, *, viewer, is_joined: bool | None = None) -> dict:
    """The original client's post object ``Q`` (plus our fields next to it).

    ``join_number`` is the real count of current members, ``chat_id`` the ChatRoom id,
    ``is_compelete`` true once recruitment is over (closed, past the deadline, ordered,
    delivered or cancelled); the writer's email only to the writer. Pass ``is_joined`` to
    add that key (detail and edit answers). Load ``host``, ``region`` and ``chat_room``
    with ``select_related`` to stay query-free.
    """
    host = group_order.host
    room = getattr(group_order, "chat_room", None)
    row = {
        "id": group_order.pk,
        "title": group_order.title,
        "created_at": group_order.created_at,
        "category": group_order.category,
        "region__full_name": group_order.region.full_name,
        "description": group_order.description,
        "status": group_order.status,
        "deadline": group_order.deadline,
        "target_count": group_order.target_count,
        "member_count": group_order.member_count,
        "chat_room__id": room.pk if room is not None else None,
        "host_id": host.pk,
        "host__username": host.username,
        "host__email": host.email,
        "host__is_active": host.is_active,
        "restaurant": group_order.restaurant,
        "min_order_amount": group_order.min_order_amount,
        "delivery_fee": group_order.delivery_fee,
        "pickup_spot": group_order.pickup_spot,
        "fee_split": group_order.fee_split,
    }
    payload = _row_payload(row, viewer_id=getattr(viewer, "pk", None), now=timezone.now())
    if is_joined is not None:
        payload["is_joined"] = is_joined
    return payload


def paginator_payload(*, current: int, last: int) -> dict:
    """The original paginator: a window of at most 10 pages around ``current``."""
    right = min(max(current - 5, 1) + WINDOW - 1, last)
    left = max(right - WINDOW + 1, 1)
    return {
        "page_range": list(range(left, right + 1)),
        "current_page": current,
        "prev_button": max(current - WINDOW, 1) if current > 1 else None,
        "next_button": min(current + WINDOW, last) if current < last else None,
    }


def _renamed(exc: GroupOrderValidationError) -> Response:
    errors: dict[str, list[str]] = {}
    for field, messages in exc.as_errors().items():
        errors.setdefault(FIELD_NAMES.get(field, field), []).extend(messages)
    return Response({"errors": errors, "code": exc.code}, status=status.HTTP_400_BAD_REQUEST)


def _text(data, key: str, errors: dict) -> str | None:
    """A text field; a list, an object or a number is a field error, never saved as its repr."""
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    errors[key] = ["글자로 보내 주세요."]
    return None


def _integer(data, key: str, errors: dict, label: str) -> int | None:
    """An int from JSON or a multipart string; records a Korean error under ``key``."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors[key] = [f"{label}은(는) 숫자로 입력해 주세요."]
        return None
    number = int_or_none(value)
    if number is None or not -MAX_BIGINT <= number <= MAX_BIGINT:
        errors[key] = [f"{label}은(는) 숫자로 입력해 주세요."]
        return None
    return number


def _boolean(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "on", "yes"):
        return True
    if text in ("false", "0", "off", "no", ""):
        return False
    return None


POST_OBJECT = inline_serializer(
    "CompatPost",
    {
        "id": serializers.IntegerField(),
        "title": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
        "category": serializers.ChoiceField(choices=CATEGORIES),
        "address": serializers.CharField(),
        "content": serializers.CharField(),
        "is_compelete": serializers.BooleanField(),
        "target_number": serializers.IntegerField(),
        "join_number": serializers.IntegerField(),
        "chat_id": serializers.IntegerField(),
        "writer": inline_serializer(
            "CompatPerson",
            {
                "id": serializers.IntegerField(),
                "username": serializers.CharField(),
                "email": serializers.CharField(),
            },
        ),
        "is_joined": serializers.BooleanField(required=False),
        "permissions": serializers.DictField(
            required=False,
            help_text="보기·수정 응답에만: 보는 사람이 할 수 있는 일 (/api/groupbuys/ 의 actions와 같음)",
        ),
        "restaurant": serializers.CharField(),
        "min_order_amount": serializers.IntegerField(),
        "delivery_fee": serializers.IntegerField(),
        "deadline": serializers.DateTimeField(),
        "pickup_spot": serializers.CharField(),
        "status": serializers.ChoiceField(choices=Status.choices),
        "fee_split": serializers.ChoiceField(choices=GroupOrder.FeeSplit.choices),
    },
)

POST_INPUT_FIELDS = {
    "title": serializers.CharField(max_length=30),
    "category": serializers.ChoiceField(choices=CATEGORIES),
    "target_number": serializers.IntegerField(min_value=2, max_value=10),
    "content": serializers.CharField(required=False),
    "restaurant": serializers.CharField(required=False),
    "pickup_spot": serializers.CharField(required=False),
    "min_order_amount": serializers.IntegerField(required=False, min_value=0),
    "delivery_fee": serializers.IntegerField(required=False, min_value=0),
}


class PostListView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="내 동네 모집글 목록 (10개씩, 최신순)",
        parameters=[
            OpenApiParameter("category", OpenApiTypes.STR, enum=CATEGORIES),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={
            200: inline_serializer(
                "CompatPostList",
                {
                    "posts": POST_OBJECT.__class__(many=True),
                    "paginator": inline_serializer(
                        "CompatPaginator",
                        {
                            "page_range": serializers.ListField(child=serializers.IntegerField()),
                            "current_page": serializers.IntegerField(),
                            "prev_button": serializers.IntegerField(allow_null=True),
                            "next_button": serializers.IntegerField(allow_null=True),
                        },
                    ),
                },
            )
        },
    )
    def get(self, request):
        user = request.user
        category = request.query_params.get("category") or None
        page = page_number(request.query_params.get("page"))
        # Only as far as the paginator can see (ten pages past this one).
        window = selectors.post_feed_ids(
            region_id=user.region_id,
            category=category,
            limit=(page + WINDOW) * PAGE_SIZE,
            viewer=user,
        )
        last = max((len(window) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        page = min(page, last)
        page_ids = window[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        rows = selectors.post_rows(ids=page_ids)
        now = timezone.now()
        return Response(
            {
                "posts": [
                    _row_payload(rows[pk], viewer_id=user.pk, now=now)
                    for pk in page_ids
                    if pk in rows  # deleted between the two reads
                ],
                "paginator": paginator_payload(current=page, last=last),
            }
        )


class PostWriteView(APIView):
    throttle_scope = "post"

    @extend_schema(
        tags=TAGS,
        summary="모집글 쓰기 (채팅방이 함께 만들어지고 글쓴이가 첫 참여자)",
        request=inline_serializer("CompatPostWrite", POST_INPUT_FIELDS),
        responses={201: POST_OBJECT},
    )
    def post(self, request):
        data = request.data
        errors: dict[str, list[str]] = {}
        target = _integer(data, "target_number", errors, "모집 인원")
        min_order = _integer(data, "min_order_amount", errors, "최소주문금액")
        fee = _integer(data, "delivery_fee", errors, "배달비")
        if "target_number" not in errors and target is None:
            errors["target_number"] = ["모집 인원을 입력해 주세요."]
        try:
            with transaction.atomic():
                group_order = services.groupbuy_create(
                    host=request.user,
                    title=_text(data, "title", errors) or "",
                    category=_text(data, "category", errors) or "",
                    target_count=target if target is not None else 2,
                    description=_text(data, "content", errors) or "",
                    restaurant=_text(data, "restaurant", errors) or "",
                    pickup_spot=_text(data, "pickup_spot", errors) or "",
                    min_order_amount=min_order or 0,
                    delivery_fee=fee or 0,
                )
                if errors:  # roll the post back: a field could not even be read
                    raise GroupOrderValidationError(errors)
        except GroupOrderValidationError as exc:
            merged = {**_renamed(exc).data["errors"], **errors}
            return Response(
                {"errors": merged, "code": exc.code}, status=status.HTTP_400_BAD_REQUEST
            )
        return _detail(request, group_order.pk, status_code=status.HTTP_201_CREATED)


def _detail(request, pk: int, *, status_code: int = 200) -> Response:
    """One query: the post's columns and whether the requester is a member."""
    user = request.user
    row = selectors.post_rows(ids=[pk], member_id=user.pk).get(pk)
    if row is None or not selectors.group_order_visible(
        host_id=row["host_id"],
        hidden=row["is_hidden"],
        viewer=user,
        is_member=row["is_joined"],
        blocked=row["is_blocked"],
    ):
        # Hidden by a moderator, or between two people who blocked each other: as missing.
        raise NotFound("주문을 찾을 수 없어요.")
    now = timezone.now()
    payload = _row_payload(row, viewer_id=user.pk, now=now)
    payload["is_joined"] = row["is_joined"]
    # What this viewer may do, from the services' own rules (no further query).
    payload["permissions"] = selectors.group_order_actions(
        group_order=selectors.group_order_from_row(row),
        user=user,
        is_member=row["is_joined"],
        is_banned=row["is_banned"],
        now=now,
    ).as_dict()
    return Response(payload, status=status_code)


class PostDetailView(APIView):
    @extend_schema(tags=TAGS, summary="모집글 보기", responses={200: POST_OBJECT})
    def get(self, request, pk: int):
        return _detail(request, pk)


class PostEditView(APIView):
    @extend_schema(tags=TAGS, summary="수정할 모집글 불러오기", responses={200: POST_OBJECT})
    def get(self, request, pk: int):
        return _detail(request, pk)

    @extend_schema(
        tags=TAGS,
        summary="모집글 수정 / 모집 끝내기·다시 하기 (글쓴이만)",
        request=inline_serializer(
            "CompatPostEdit",
            {
                "title": serializers.CharField(required=False),
                "category": serializers.ChoiceField(choices=CATEGORIES, required=False),
                "target_number": serializers.IntegerField(required=False),
                "content": serializers.CharField(required=False),
                "is_compelete": serializers.BooleanField(required=False),
            },
        ),
        responses={200: POST_OBJECT},
    )
    def post(self, request, pk: int):
        data = request.data
        access_group_order(user=request.user, id=pk, require_host=True)
        errors: dict[str, list[str]] = {}
        fields: dict = {}
        for ours, theirs in (("title", "title"), ("category", "category")):
            if theirs in data:
                fields[ours] = _text(data, theirs, errors) or ""
        if "content" in data:
            fields["description"] = _text(data, "content", errors) or ""
        if "target_number" in data:
            target = _integer(data, "target_number", errors, "모집 인원")
            if target is not None:
                fields["target_count"] = target
            elif "target_number" not in errors:
                errors["target_number"] = ["모집 인원을 입력해 주세요."]
        complete = None
        if "is_compelete" in data:
            complete = _boolean(data.get("is_compelete"))
            if complete is None:
                errors["is_compelete"] = ["true 또는 false로 보내 주세요."]
        if errors:
            return Response(
                {"errors": errors, "code": "invalid"}, status=status.HTTP_400_BAD_REQUEST
            )
        try:
            with transaction.atomic():
                if fields:
                    services.groupbuy_update(group_order_id=pk, user=request.user, **fields)
                if complete is not None:
                    current = access_group_order(user=request.user, id=pk).current_status()
                    if complete and current == Status.RECRUITING:
                        services.groupbuy_close(group_order_id=pk, user=request.user)
                    elif not complete and current != Status.RECRUITING:
                        services.groupbuy_reopen(group_order_id=pk, user=request.user)
        except GroupOrderValidationError as exc:
            return _renamed(exc)
        return _detail(request, pk)


@extend_schema(exclude=True)  # the same operation as PostEditView: documented once
class PostEditNoSlashView(PostEditView):
    pass


class PostDeleteView(APIView):
    @extend_schema(tags=TAGS, summary="모집글 삭제 (글쓴이만)", request=None, responses={204: None})
    def post(self, request, pk: int):
        services.groupbuy_delete(group_order_id=pk, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("post/", PostListView.as_view(), name="compat-post-list"),
    path("post/write/", PostWriteView.as_view(), name="compat-post-write"),
    path("post/detail/<id:pk>/", PostDetailView.as_view(), name="compat-post-detail"),
    path("post/detail/<id:pk>/edit/", PostEditView.as_view(), name="compat-post-edit"),
    # The original client asks without the trailing slash (and POSTs there too, so no redirect).
    path("post/detail/<id:pk>/edit", PostEditNoSlashView.as_view()),
    path("post/detail/<id:pk>/delete/", PostDeleteView.as_view(), name="compat-post-delete"),
]
