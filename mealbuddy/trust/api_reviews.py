"""REST for 후기: whom I can rate on an order and what I gave, one review, my received ones.

Each view parses its input with a small serializer, calls ``trust.reviews``, renders; every
rule (window, membership, once per pair, blocks, sanctions) is the service's.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.core.input import MAX_BIGINT, MAX_PAGE, query_int
from mealbuddy.trust import reviews
from mealbuddy.trust.models import Review, ReviewTag
from mealbuddy.trust.selectors import standing_of

TAGS = ["후기"]
RECEIVED_PAGE_SIZE = 20


# --- input and output shapes ---------------------------------------------------------------------


class ReviewCreateInput(serializers.Serializer):
    reviewee_id = serializers.IntegerField(min_value=1, max_value=MAX_BIGINT)
    positive = serializers.BooleanField(help_text="true 좋았어요 👍 / false 아쉬웠어요 👎")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        default=list,
        max_length=len(ReviewTag.values),
        help_text="좋았어요: on_time, quick_settle, kind / 아쉬웠어요: unreachable, noshow",
    )
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=reviews.REVIEW_TEXT_MAX,
        help_text="하고 싶은 말 (300자 이내, 받는 사람만 봐요)",
    )


class ReviewPersonOut(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()


class ReviewTagOut(serializers.Serializer):
    code = serializers.ChoiceField(choices=ReviewTag.choices)
    label = serializers.CharField()


class ReviewGivenOut(serializers.Serializer):
    id = serializers.IntegerField()
    positive = serializers.BooleanField()
    tags = ReviewTagOut(many=True)
    text = serializers.CharField(help_text="내가 쓴 말 (받는 사람과 나만 봐요)")
    created_at = serializers.DateTimeField()


class ReviewTargetOut(serializers.Serializer):
    user = ReviewPersonOut()
    can_review = serializers.BooleanField()
    reason = serializers.CharField(help_text="남길 수 없으면 그 이유")
    given = ReviewGivenOut(allow_null=True)


class ReviewTargetsOut(serializers.Serializer):
    open = serializers.BooleanField(help_text="지금 후기를 남길 수 있는 주문인지")
    reason = serializers.CharField(help_text="남길 수 없으면 그 이유")
    ends_at = serializers.DateTimeField(
        allow_null=True, help_text="후기를 남길 수 있는 마지막 시각"
    )
    days_left = serializers.IntegerField(allow_null=True)
    targets = ReviewTargetOut(many=True)


class ReviewOrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ReviewReceivedOut(serializers.Serializer):
    id = serializers.IntegerField()
    group_order = ReviewOrderOut()
    reviewer = ReviewPersonOut()
    positive = serializers.BooleanField()
    tags = ReviewTagOut(many=True)
    text = serializers.CharField(help_text="나에게 남긴 말 (나만 봐요)")
    created_at = serializers.DateTimeField()


class ReviewReceivedPageOut(serializers.Serializer):
    manner_score = serializers.DecimalField(max_digits=3, decimal_places=1)
    reviews_received = serializers.IntegerField()
    results = ReviewReceivedOut(many=True)
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()


def _person(user) -> dict:
    return {"id": user.pk, "nickname": user.display_name}


def given_payload(review: Review) -> dict:
    return {
        "id": review.pk,
        "positive": review.positive,
        "tags": reviews.tag_labels(review.tags),
        "text": review.text,
        "created_at": review.created_at.isoformat(),
    }


def targets_payload(found: reviews.ReviewTargets) -> dict:
    window = found.window
    reason = window.reason if found.is_member else reviews.NOT_MEMBER
    return {
        "open": found.open,
        "reason": "" if found.open else reason,
        "ends_at": window.ends_at.isoformat() if window.ends_at else None,
        "days_left": window.days_left() if found.open else None,
        "targets": [
            {
                "user": _person(target.user),
                "can_review": target.allowed,
                "reason": target.reason,
                "given": given_payload(target.given) if target.given else None,
            }
            for target in found.targets
        ],
    }


def received_payload(review: Review) -> dict:
    return {
        "id": review.pk,
        "group_order": {"id": review.group_order_id, "title": review.group_order.title},
        "reviewer": _person(review.reviewer),
        "positive": review.positive,
        "tags": reviews.tag_labels(review.tags),
        "text": review.text,
        "created_at": review.created_at.isoformat(),
    }


REFUSALS = {
    400: OpenApiResponse(
        description="입력 오류(필드별), 후기 기간이 아님(review_closed), 함께하지 않은 사람"
    ),
    403: OpenApiResponse(
        description="주문에 함께하지 않음(not_member), 차단(blocked), 이용 정지(account_restricted)"
    ),
    404: OpenApiResponse(description="없는 주문"),
    409: OpenApiResponse(description="이미 후기를 남김 (already_reviewed)"),
}


# --- views -----------------------------------------------------------------------------------


class GroupOrderReviewsView(APIView):
    throttle_scope = "post"

    @extend_schema(
        tags=TAGS,
        summary="이 주문에서 후기를 남길 수 있는 사람과 내가 남긴 후기",
        operation_id="groupbuys_reviews_list",
        responses={200: ReviewTargetsOut, 404: REFUSALS[404]},
    )
    def get(self, request, pk: int):
        group_order = reviews.review_access_order(user=request.user, id=pk)
        found = reviews.review_targets(user=request.user, group_order=group_order)
        return Response(targets_payload(found))

    @extend_schema(
        tags=TAGS,
        summary="후기 남기기 (함께한 사람에게 주문마다 한 번, 끝난 뒤 7일 안에)",
        operation_id="groupbuys_reviews_create",
        request=ReviewCreateInput,
        responses={201: ReviewGivenOut, **REFUSALS},
    )
    def post(self, request, pk: int):
        group_order = reviews.review_access_order(user=request.user, id=pk)
        serializer = ReviewCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        review = reviews.review_create(
            reviewer=request.user,
            group_order=group_order,
            reviewee=data["reviewee_id"],
            positive=data["positive"],
            tags=data["tags"],
            text=data["text"],
        )
        return Response(given_payload(review), status=status.HTTP_201_CREATED)


class ReviewsReceivedView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="내가 받은 후기 (하고 싶은 말은 받은 나만 봐요)",
        operation_id="reviews_received",
        parameters=[OpenApiParameter("page", OpenApiTypes.INT)],
        responses={200: ReviewReceivedPageOut},
    )
    def get(self, request):
        page = query_int(
            request.query_params, "page", label="페이지", default=1, minimum=1, maximum=MAX_PAGE
        )
        start = (page - 1) * RECEIVED_PAGE_SIZE
        rows = reviews.reviews_received(
            user=request.user, limit=RECEIVED_PAGE_SIZE + 1, offset=start
        )
        standing = standing_of(request.user)
        return Response(
            {
                "manner_score": str(standing.manner_score),
                "reviews_received": standing.reviews_received,
                "results": [received_payload(r) for r in rows[:RECEIVED_PAGE_SIZE]],
                "page": page,
                "has_next": len(rows) > RECEIVED_PAGE_SIZE,
            }
        )
