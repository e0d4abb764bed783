"""/api/wallet/: balances and history, top-ups (request, confirm, Toss webhook), withdrawals."""

from __future__ import annotations

import logging

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.core.api import validated
from mealbuddy.core.errors import ApplicationError
from mealbuddy.core.input import MAX_BIGINT
from mealbuddy.wallet import selectors, services
from mealbuddy.wallet.models import Account, TopUp
from mealbuddy.wallet.providers import ProviderUnavailable, provider_get

logger = logging.getLogger(__name__)

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


# --- Top-up and withdrawal ------------------------------------------------------------------


def _topup_payload(topup: TopUp) -> dict:
    return {
        "order_id": topup.order_id,
        "amount": topup.amount,
        "status": topup.status,
        "failure": topup.failure,
    }


class TopUpIn(serializers.Serializer):
    amount = serializers.IntegerField(min_value=0, max_value=MAX_BIGINT, help_text="원")


class TopUpConfirmIn(serializers.Serializer):
    order_id = serializers.CharField(max_length=64)
    payment_key = serializers.CharField(max_length=200)
    amount = serializers.IntegerField(min_value=0, max_value=MAX_BIGINT)


TOPUP_OUT = inline_serializer(
    "TopUp",
    {
        "order_id": serializers.CharField(help_text="결제창에 넘길 주문 번호"),
        "amount": serializers.IntegerField(help_text="충전 요청 금액 (원)"),
        "status": serializers.CharField(help_text="requested (결제 대기) | done | failed"),
        "failure": serializers.CharField(help_text="실패 사유 (실패했을 때)"),
    },
)


class TopUpCreateApi(APIView):
    throttle_scope = "wallet"

    @extend_schema(
        tags=TAGS,
        summary="충전 요청: 결제창을 열 주문 번호, 금액, 결제사 클라이언트 키",
        request=TopUpIn,
        responses={
            201: inline_serializer(
                "TopUpCreated",
                {
                    "order_id": serializers.CharField(),
                    "amount": serializers.IntegerField(),
                    "status": serializers.CharField(),
                    "failure": serializers.CharField(),
                    "provider": serializers.CharField(help_text="test 또는 toss"),
                    "client_key": serializers.CharField(help_text="결제 위젯용 공개 키"),
                },
            ),
            400: OpenApiResponse(description="금액이 범위를 벗어남 (1,000원~1,000,000원)"),
        },
    )
    def post(self, request):
        data = validated(TopUpIn, request.data)
        topup = services.topup_request(user=request.user, amount=data["amount"])
        provider = provider_get()
        return Response(
            {
                **_topup_payload(topup),
                "provider": provider.name,
                "client_key": provider.client_key(),
            },
            status=status.HTTP_201_CREATED,
        )


class TopUpConfirmApi(APIView):
    throttle_scope = "wallet"

    @extend_schema(
        tags=TAGS,
        summary="충전 승인 (결제창에서 돌아온 브라우저): 한 번만 입금돼요",
        description=(
            "웹훅이 먼저 왔어도, 두 번 불러도 한 번만 충전돼요. 금액이 요청과 다르면 거절(400), "
            "결제사가 응답하지 않으면 503: 같은 요청을 다시 보내면 돼요."
        ),
        request=TopUpConfirmIn,
        responses={
            200: TOPUP_OUT,
            400: OpenApiResponse(description="금액 불일치 또는 결제 거절"),
            404: OpenApiResponse(description="내 충전 요청이 아님"),
            409: OpenApiResponse(description="이미 다른 결제로 충전됨"),
            503: OpenApiResponse(description="결제사 응답 없음: 다시 시도"),
        },
    )
    def post(self, request):
        data = validated(TopUpConfirmIn, request.data)
        topup = services.topup_confirm(user=request.user, **data)
        return Response(_topup_payload(topup))


class TossWebhookApi(APIView):
    """Toss calls this without credentials; the body is verified by fetching the payment."""

    authentication_classes: list = []  # no session: no CSRF, and nobody to authenticate
    permission_classes = [AllowAny]
    throttle_scope = "wallet_webhook"

    @extend_schema(
        tags=TAGS,
        summary="Toss Payments 웹훅 (PAYMENT_STATUS_CHANGED): 결제를 다시 조회해 확인해요",
        request=OpenApiTypes.OBJECT,
        responses={
            200: inline_serializer("WebhookResult", {"result": serializers.CharField()}),
            503: OpenApiResponse(description="결제사 조회 실패: 결제사가 다시 보내요"),
        },
        auth=[],
    )
    def post(self, request):
        if not isinstance(request.data, dict):
            return Response({"result": "ignored"})
        try:
            topup = services.topup_webhook(body=request.data)
        except ProviderUnavailable:
            raise  # 503: Toss retries the webhook later
        except ApplicationError as exc:
            # A payment we refuse (amount changed, declined, not ours) must not be retried
            # forever: acknowledge, log, credit nothing.
            logger.warning("toss webhook refused: %s (%s)", exc.message, exc.code)
            return Response({"result": "ignored"})
        return Response({"result": topup.status if topup else "ignored"})


class WithdrawalIn(serializers.Serializer):
    amount = serializers.IntegerField(min_value=0, max_value=MAX_BIGINT, help_text="원")
    bank = serializers.CharField(max_length=20)
    account_number = serializers.CharField(max_length=30)
    holder = serializers.CharField(max_length=30)


class WithdrawalCreateApi(APIView):
    throttle_scope = "wallet"

    @extend_schema(
        tags=TAGS,
        summary="출금 요청: 금액을 묶어 두고 결제사가 송금하면 확정, 실패하면 돌려줘요",
        request=WithdrawalIn,
        responses={
            201: inline_serializer(
                "Withdrawal",
                {
                    "id": serializers.IntegerField(),
                    "amount": serializers.IntegerField(),
                    "status": serializers.CharField(
                        help_text="requested (처리 중) | done | failed (환급됨)"
                    ),
                    "failure": serializers.CharField(),
                },
            ),
            400: OpenApiResponse(description="잔액 부족 또는 입력 오류"),
        },
    )
    def post(self, request):
        data = validated(WithdrawalIn, request.data)
        withdrawal = services.withdrawal_request(user=request.user, **data)
        withdrawal.refresh_from_db()  # the payout job may already have run (after commit)
        return Response(
            {
                "id": withdrawal.pk,
                "amount": withdrawal.amount,
                "status": withdrawal.status,
                "failure": withdrawal.failure,
            },
            status=status.HTTP_201_CREATED,
        )
