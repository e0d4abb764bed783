"""REST for 차단 and 신고: ``/api/blocks/``, ``/api/blocks/<user_id>/``, ``/api/reports/``.

Thin views (STYLE.md): parse with a small serializer, call one service, render.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.chat.schema import chat_error
from mealbuddy.chat.serializers import avatar_url
from mealbuddy.core.api import validated
from mealbuddy.core.input import MAX_BIGINT
from mealbuddy.trust import reports, services
from mealbuddy.trust.models import Block, Report
from mealbuddy.trust.selectors import blocks_made

TAGS = ["차단·신고"]


def block_payload(block: Block) -> dict:
    person = block.blocked
    return {
        "user": {"id": person.pk, "username": person.display_name, "avatar": avatar_url(person)},
        "created_at": block.created_at.isoformat(),
    }


BLOCKED_PERSON = inline_serializer(
    "BlockedPerson",
    {
        "id": serializers.IntegerField(),
        "username": serializers.CharField(),
        "avatar": serializers.CharField(allow_null=True),
    },
)
BLOCK_OUT = inline_serializer(
    "BlockOut", {"user": BLOCKED_PERSON, "created_at": serializers.DateTimeField()}
)


class BlockInput(serializers.Serializer):
    user_id = serializers.IntegerField(
        min_value=1,
        max_value=MAX_BIGINT,
        error_messages={
            "required": "차단할 이웃을 골라 주세요.",
            "invalid": "이웃 번호가 올바르지 않아요.",
        },
    )


class BlockListApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="차단한 이웃 목록 (최근 순)",
        request=None,
        responses={
            200: inline_serializer("BlockList", {"results": BLOCK_OUT.__class__(many=True)})
        },
    )
    def get(self, request):
        return Response({"results": [block_payload(b) for b in blocks_made(user=request.user)]})

    @extend_schema(
        tags=TAGS,
        summary="이웃 차단하기 (다시 해도 그대로)",
        description=(
            "서로의 모집글이 보이지 않고 서로의 모집에 참여할 수 없어요. 함께 있는 채팅방은 "
            "그대로 쓰지만 차단한 사람의 메시지는 내게 보이지 않아요."
        ),
        request=BlockInput,
        responses={
            201: BLOCK_OUT,
            200: OpenApiResponse(BLOCK_OUT, description="이미 차단한 이웃"),
            400: chat_error("자기 자신(`block_self`) 또는 user_id 오류"),
            404: chat_error("없는 이웃 (`user_not_found`)"),
        },
    )
    def post(self, request):
        data = validated(BlockInput, request.data)
        block, created = services.block_create(blocker=request.user, blocked_id=data["user_id"])
        return Response(
            block_payload(block), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class BlockDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="차단 풀기 (차단하지 않은 이웃이어도 204)",
        request=None,
        responses={204: None},
    )
    def delete(self, request, user_id: int):
        services.block_delete(blocker=request.user, blocked_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReportInput(serializers.Serializer):
    target = serializers.ChoiceField(
        choices=Report.Target.choices,
        error_messages={
            "required": "무엇을 신고할지 골라 주세요.",
            "invalid_choice": "무엇을 신고할지 골라 주세요.",
        },
    )
    reason = serializers.ChoiceField(
        choices=Report.Reason.choices,
        error_messages={
            "required": "신고 이유를 골라 주세요.",
            "invalid_choice": "신고 이유를 골라 주세요.",
        },
    )
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=reports.REPORT_TEXT_MAX,
        trim_whitespace=True,
        error_messages={
            "max_length": f"내용은 {reports.REPORT_TEXT_MAX}자까지 쓸 수 있어요.",
            "invalid": "내용은 글자로 보내 주세요.",
        },
    )
    user_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_BIGINT)
    order_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_BIGINT)
    message_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_BIGINT)
    post_id = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_BIGINT, help_text="target=post: 동네생활 글"
    )
    comment_id = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_BIGINT, help_text="target=comment: 댓글"
    )


REPORT_OUT = inline_serializer(
    "ReportOut",
    {
        "id": serializers.IntegerField(),
        "target": serializers.ChoiceField(choices=Report.Target.choices),
        "reason": serializers.ChoiceField(choices=Report.Reason.choices),
        "status": serializers.CharField(
            help_text="open: 처리 전, dismissed: 기각, actioned: 조치함"
        ),
        "created_at": serializers.DateTimeField(),
        "created": serializers.BooleanField(
            help_text="false: 이미 신고한 것 (아무것도 바뀌지 않음)"
        ),
        "message": serializers.CharField(help_text="보여 줄 안내 문구"),
    },
)


class ReportCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="신고하기 (사용자·모집글·채팅 메시지·동네생활 글·댓글)",
        description=(
            "target이 user면 user_id, order면 order_id, message면 message_id, "
            "post(동네생활 글)면 post_id, comment(댓글)면 comment_id를 보내요. "
            "신고한 순간의 내용이 그대로 보관돼요. 처리 전인 같은 신고가 있으면 200과 함께 "
            "'이미 신고했어요'를 돌려줘요. 볼 수 없는 것(참여하지 않은 방의 메시지, 차단·숨김된 "
            "글과 댓글 등)은 404, 내 것은 400."
        ),
        request=ReportInput,
        responses={
            201: REPORT_OUT,
            200: OpenApiResponse(REPORT_OUT, description="이미 신고함 (아무것도 바뀌지 않음)"),
            400: chat_error("입력 오류 (필드별) 또는 신고할 수 없음 (`report_refused`)"),
            404: chat_error("볼 수 없거나 없는 대상"),
            429: chat_error("너무 자주 신고함 (`rate_limited`, `Retry-After` 헤더)"),
        },
    )
    def post(self, request):
        data = validated(ReportInput, request.data)
        report, created = reports.report_create(reporter=request.user, **data)
        return Response(
            {
                "id": report.pk,
                "target": report.target,
                "reason": report.reason,
                "status": report.status,
                "created_at": report.created_at.isoformat(),
                "created": created,
                "message": reports.REPORTED if created else reports.ALREADY_REPORTED,
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
