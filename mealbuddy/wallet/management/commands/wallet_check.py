"""``manage.py wallet_check``: prove the whole book right, or exit 1 with what is wrong."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from mealbuddy.wallet.selectors import ledger_problems, ledger_totals


class Command(BaseCommand):
    help = "장부 전체를 검사해요 (이체 합계 0, 잔액 = 분개 합계, 음수 잔액, 끝난 주문의 보관금)."

    def handle(self, *args, **options):
        problems = ledger_problems()
        totals = ledger_totals()
        if totals["sum_of_balances"] != 0:
            problems.append(f"전체 잔액 합계가 {totals['sum_of_balances']:+,}원이에요 (0이어야 함)")
        summary = f"이체 {totals['transfers']:,}건, 계정 {totals['accounts']:,}개"
        if problems:
            report = "\n".join([f"장부 이상 {len(problems)}건 ({summary}):"] + problems)
            raise CommandError(report, returncode=1)
        self.stdout.write(f"장부 이상 없음: {summary}, 전체 잔액 합계 0원")
