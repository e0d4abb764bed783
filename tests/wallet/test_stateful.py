"""Random sequences of everything that moves money, checked after every step.

Hypothesis drives top-ups, holds (from cash or points), captures to a host, refunds,
payouts that succeed or fail, points, and replays of earlier calls (same key and request:
nothing moves; same key, other request: 409). After each step:

- money is conserved: the sum of *all* balances is 0. It can be, because every won that
  entered came through a provider's clearing account, which therefore sits at minus the
  money inside the app (negative by design), and the platform account at minus the points
  it gave away;
- no user (cash, points, payout pending) or escrow balance is negative;
- every balance matches a plain-Python model of what should have happened;
- ``wallet_check``'s findings are empty.

Each example runs in a savepoint that is rolled back, so examples do not see each other;
derandomized, so CI runs the same sequences every time.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from mealbuddy.wallet import services
from mealbuddy.wallet.errors import IdempotencyMismatch, InsufficientFunds
from mealbuddy.wallet.models import Account
from mealbuddy.wallet.selectors import ledger_problems
from tests.factories import UserFactory

ORDERS = ["order:1", "order:2"]
CASH, POINTS, PENDING = "cash", "points", "pending"
amounts = st.integers(min_value=1, max_value=20_000)


class LedgerMachine(RuleBasedStateMachine):
    users: list = []
    calls = Bundle("calls")
    payouts = Bundle("payouts")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.expected: dict[tuple, int] = {}
        self.serial = 0
        self.done_payouts: set[str] = set()

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers ---------------------------------------------------------------------------
    def _key(self, what: str) -> str:
        self.serial += 1
        return f"{what}:{self.serial}"

    def _add(self, where: tuple, amount: int) -> None:
        self.expected[where] = self.expected.get(where, 0) + amount

    def _try(self, call, effects: list[tuple[tuple, int]]):
        """Run ``call``; on success the model applies ``effects``; a shortfall changes nothing
        and must have been predicted by the model."""
        would_go_negative = any(
            where[0] != "clearing"
            and where[0] != "platform"
            and self.expected.get(where, 0) + d < 0
            for where, d in effects
        )
        try:
            call()
        except InsufficientFunds:
            assert would_go_negative, effects
            return False
        assert not would_go_negative, effects
        for where, d in effects:
            self._add(where, d)
        return True

    # --- rules -----------------------------------------------------------------------------
    @rule(target=calls, user=st.integers(0, 2), amount=amounts)
    def topup(self, user, amount):
        key = self._key("topup")
        kwargs = dict(key=key, user=self.users[user], provider="test", amount=amount)
        services.topup_credit(**kwargs)
        self._add((CASH, user), amount)
        self._add(("clearing", "test"), -amount)
        return (services.topup_credit, kwargs)

    @rule(user=st.integers(0, 2), amount=st.integers(1, 2_000))
    def award_points(self, user, amount):
        services.points_award(key=self._key("points"), user=self.users[user], amount=amount)
        self._add((POINTS, user), amount)
        self._add(("platform",), -amount)

    @rule(
        target=calls,
        user=st.integers(0, 2),
        order=st.sampled_from(ORDERS),
        amount=amounts,
        with_points=st.booleans(),
    )
    def hold(self, user, order, amount, with_points):
        source = Account.Kind.USER_POINTS if with_points else Account.Kind.USER_CASH
        kwargs = dict(
            key=self._key("hold"),
            user=self.users[user],
            order_ref=order,
            amount=amount,
            source=source,
        )
        ok = self._try(
            lambda: services.escrow_hold(**kwargs),
            [((POINTS if with_points else CASH, user), -amount), (("escrow", order), amount)],
        )
        return (services.escrow_hold, kwargs) if ok else None

    @rule(target=calls, host=st.integers(0, 2), order=st.sampled_from(ORDERS), amount=amounts)
    def capture(self, host, order, amount):
        kwargs = dict(
            key=self._key("capture"), order_ref=order, to_user=self.users[host], amount=amount
        )
        ok = self._try(
            lambda: services.escrow_capture(**kwargs),
            [(("escrow", order), -amount), ((CASH, host), amount)],
        )
        return (services.escrow_capture, kwargs) if ok else None

    @rule(target=calls, user=st.integers(0, 2), order=st.sampled_from(ORDERS), amount=amounts)
    def refund(self, user, order, amount):
        kwargs = dict(
            key=self._key("refund"), user=self.users[user], order_ref=order, amount=amount
        )
        ok = self._try(
            lambda: services.escrow_release(**kwargs),
            [(("escrow", order), -amount), ((CASH, user), amount)],
        )
        return (services.escrow_release, kwargs) if ok else None

    @rule(target=payouts, user=st.integers(0, 2), amount=amounts)
    def payout_start(self, user, amount):
        ref = self._key("payout")
        ok = self._try(
            lambda: services.payout_hold(
                key=ref, user=self.users[user], amount=amount, payout_ref=ref
            ),
            [((CASH, user), -amount), ((PENDING, user), amount)],
        )
        return (ref, user, amount) if ok else None

    @rule(payout=payouts, succeeds=st.booleans())
    def payout_finish(self, payout, succeeds):
        if payout is None or payout[0] in self.done_payouts:
            return
        ref, user, amount = payout
        self.done_payouts.add(ref)
        if succeeds:
            services.payout_settle(
                key=f"{ref}:ok",
                user=self.users[user],
                provider="test",
                amount=amount,
                payout_ref=ref,
            )
            self._add(("clearing", "test"), amount)
        else:
            services.payout_fail(
                key=f"{ref}:fail", user=self.users[user], amount=amount, payout_ref=ref
            )
            self._add((CASH, user), amount)
        self._add((PENDING, user), -amount)

    @rule(call=calls, change_amount=st.booleans())
    def replay(self, call, change_amount):
        if call is None:
            return
        function, kwargs = call
        if change_amount:
            with pytest.raises(IdempotencyMismatch):
                function(**{**kwargs, "amount": kwargs["amount"] + 1})
        else:
            assert function(**kwargs).replayed

    # --- invariants ------------------------------------------------------------------------
    def _actual(self) -> dict[tuple, int]:
        index = {u.pk: n for n, u in enumerate(self.users)}
        names = {
            Account.Kind.USER_CASH: CASH,
            Account.Kind.USER_POINTS: POINTS,
            Account.Kind.PAYOUT_PENDING: PENDING,
        }
        actual = {}
        for kind, owner_id, reference, balance in Account.objects.values_list(
            "kind", "owner_id", "reference", "balance"
        ):
            if kind in names:
                where = (names[kind], index[owner_id])
            elif kind == Account.Kind.ESCROW:
                where = ("escrow", reference)
            elif kind == Account.Kind.PLATFORM:
                where = ("platform",)
            else:
                where = ("clearing", reference.removeprefix("provider:"))
            actual[where] = balance
        return actual

    @invariant()
    def book_is_right(self):
        actual = self._actual()
        assert {k: v for k, v in actual.items() if v} == {
            k: v for k, v in self.expected.items() if v
        }
        assert Account.objects.aggregate(total=Sum("balance"))["total"] in (0, None)
        assert not Account.objects.filter(kind__in=Account.NON_NEGATIVE, balance__lt=0).exists()
        assert ledger_problems() == []


@pytest.mark.django_db
def test_money_is_conserved_whatever_happens():
    LedgerMachine.users = [UserFactory() for _ in range(3)]
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
