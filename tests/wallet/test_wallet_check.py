"""manage.py wallet_check: passes on a right book, exits non-zero with a readable report on
each kind of damage (made with raw SQL, the way only a bug or a hand edit could)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from mealbuddy.wallet import services
from mealbuddy.wallet.models import Account, Transfer
from mealbuddy.wallet.selectors import ledger_problems
from tests.wallet.conftest import fund


@pytest.fixture
def book(alice, bob):
    fund(alice, 10_000)
    services.escrow_hold(key="h1", user=alice, order_ref="order:1", amount=4_000)
    services.escrow_capture(key="c1", order_ref="order:1", to_user=bob, amount=1_000)
    return services.user_cash_account(user=alice)


def _check() -> str:
    with pytest.raises(CommandError) as caught:
        call_command("wallet_check")
    assert caught.value.returncode == 1
    return str(caught.value)


def test_a_right_book_passes(book, capsys):
    call_command("wallet_check")
    assert "장부 이상 없음" in capsys.readouterr().out


def test_a_corrupted_balance_is_reported(book):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE wallet_account SET balance = balance + 1 WHERE id = %s", [book.pk])
    report = _check()
    assert (
        f"계정 #{book.pk} user_cash user:{book.owner_id}: 잔액 6,001원, 분개 합계 6,000원" in report
    )
    assert "전체 잔액 합계가 +1원" in report


def test_a_wrong_version_is_reported(book):
    Account.objects.filter(pk=book.pk).update(version=99)
    assert "버전 99, 분개 2개" in _check()


def test_an_unbalanced_transfer_is_reported(book):
    transfer = Transfer.objects.get(key="h1")
    with connection.cursor() as cursor:
        # Entries have no update path in code; only raw SQL can do this.
        cursor.execute(
            "UPDATE wallet_entry SET amount = amount + 5 WHERE transfer_id = %s AND amount > 0",
            [transfer.pk],
        )
    report = _check()
    assert f"이체 #{transfer.pk} (h1): 항목 2개, 합계 +5원" in report


def test_escrow_holding_money_for_a_finished_order(book):
    finished = {"order:1"}
    calls = []

    def escrow_finished(references):
        calls.append(list(references))
        return [r for r in references if r in finished]

    assert ledger_problems(escrow_finished=escrow_finished) == [
        "보관금 order:1: 끝난 주문인데 3,000원을 보관 중이에요"
    ]
    assert calls == [["order:1"]]
    finished.clear()
    assert ledger_problems(escrow_finished=escrow_finished) == []


def test_the_escrow_hook_comes_from_settings(book, settings):
    settings.WALLET_ESCROW_FINISHED = "tests.wallet.test_wallet_check.every_order_finished"
    assert "보관금 order:1" in _check()


def every_order_finished(references):
    return references
