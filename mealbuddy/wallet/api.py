"""GET /api/wallet/ — the signed-in user's balances and one page of history."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.core.input import MAX_BIGINT
from mealbuddy.wallet import selectors
from mealbuddy.wallet.models import Account

TAGS = ["지갑"]
HISTORY_KINDS = {"cash": Account.Kind.USER_CASH, "points": Account.Kind.USER_POINTS}

ENTRY = inline_serializer(
    "WalletEntry",
    {
        "id": serializers.IntegerField(help_text="다음 페이지의 before 값"),
        "kind": serializers.CharField(help_text="이체 종류 (topup, hold, release, capture, …)"),
        "reference": serializers.CharField(help_text="관련 주문이나 결제 (order:<id> 등)"),
        "memo": serializers.CharField(),
        "amount": serializers.IntegerField(help_text="원 (들어오면 +, 나가면 -)"),
        "balance_after": serializers.IntegerField(help_text="이 거래 뒤 잔액 (원)"),
        "created_at": serializers.DateTimeField(),
    },
)


class WalletQuery(serializers.Serializer):
    account = serializers.ChoiceField(choices=sorted(HISTORY_KINDS), default="cash")
    before = serializers.IntegerField(required=False, min_value=1, max_value=MAX_BIGINT)


class WalletApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="내 지갑: 잔액, 포인트, 출금 대기액과 거래 내역 (최신순, 30개씩, 잔액 포함)",
        request=None,
        parameters=[
            OpenApiParameter(
                "account",
                OpenApiTypes.STR,
                enum=sorted(HISTORY_KINDS),
                description="내역: cash(기본) 또는 points",
            ),
            OpenApiParameter("before", OpenApiTypes.INT, description="이 내역 id보다 오래된 것만"),
        ],
        responses={
            200: inline_serializer(
                "Wallet",
                {
                    "cash": serializers.IntegerField(help_text="현금 잔액 (원)"),
                    "points": serializers.IntegerField(help_text="포인트"),
                    "payout_pending": serializers.IntegerField(help_text="출금 처리 중 (원)"),
                    "history": ENTRY.__class__(many=True),
                    "has_more": serializers.BooleanField(),
                },
            ),
            400: OpenApiResponse(description="입력 값이 올바르지 않음"),
        },
    )
    def get(self, request):
        query = WalletQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows, has_more = selectors.wallet_history(
            user=request.user,
            kind=HISTORY_KINDS[query.validated_data["account"]],
            before=query.validated_data.get("before"),
        )
        history = [
            {
                "id": entry.pk,
                "kind": entry.transfer.kind,
                "reference": entry.transfer.reference,
                "memo": entry.transfer.memo,
                "amount": entry.amount,
                "balance_after": entry.running_balance,
                "created_at": entry.transfer.created_at,
            }
            for entry in rows
        ]
        return Response(
            {
                **selectors.wallet_summary(user=request.user),
                "history": history,
                "has_more": has_more,
            }
        )
