"""For payout tests: a recording fake of the Connect gateway (localstripe has no Connect),
and a world where a provider has earned milestone payments."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import pytest
from django.utils import timezone

from enrolments.models import Enrolment
from enrolments.services import enrolment_accept, enrolment_confirm_start, enrolment_record_start
from enrolments.services.money import provider_payable_account
from payments.gateway.connect import (
    AccountLink,
    ConnectAccount,
    GatewayError,
    GatewayTimeout,
    Transfer,
    use_connect_gateway,
)
from payments.models import ConnectedAccount
from payments.services.payouts import paid_out_account, payout_in_transit_account
from providers.models import Provider, ProviderMembership
from tests.enrolments.helpers import World, make_world
from tests.factories import ProviderMembershipFactory

T = TypeVar("T")


@dataclass
class FakeConnectGateway:
    """Behaves like Stripe where it matters: the same idempotency key answers the first
    answer again (nothing is done twice). It can refuse, or time out after doing the work."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    accounts: dict[str, ConnectAccount] = field(default_factory=dict)
    transfers: dict[str, Transfer] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    timeouts_after_transfer: int = 0  # the next N transfer calls do it, then time out
    timeouts_before_transfer: int = 0  # the next N transfer calls time out doing nothing
    refuse_transfers: str = ""
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _once(self, key: str, make: Callable[[], T]) -> T:
        with self._lock:  # Stripe serialises requests with the same key
            if key not in self.answers:
                self.answers[key] = make()
            answer: T = self.answers[key]
        return answer

    def create_account(
        self, *, email: str, country: str, metadata: dict[str, str], idempotency_key: str
    ) -> ConnectAccount:
        self.calls.append(("create_account", {"email": email, "key": idempotency_key}))

        def make() -> ConnectAccount:
            account = ConnectAccount(f"acct_{next(self._ids)}", False, False)
            self.accounts[account.id] = account
            return account

        return self._once(idempotency_key, make)

    def create_account_link(
        self, *, account_id: str, refresh_url: str, return_url: str, idempotency_key: str
    ) -> AccountLink:
        self.calls.append(("create_account_link", {"account": account_id, "key": idempotency_key}))
        if account_id not in self.accounts:
            raise GatewayError("No such account")
        return self._once(
            idempotency_key,
            lambda: AccountLink(
                f"https://connect.stripe.test/setup/{account_id}/{next(self._ids)}",
                timezone.now() + dt.timedelta(minutes=5),
            ),
        )

    def retrieve_account(self, account_id: str) -> ConnectAccount:
        return self.accounts[account_id]

    def create_transfer(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        transfer_group: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> Transfer:
        self.calls.append(("create_transfer", {"amount": amount, "key": idempotency_key}))
        if self.timeouts_before_transfer:
            self.timeouts_before_transfer -= 1
            raise GatewayTimeout("Read timed out")
        if self.refuse_transfers:
            raise GatewayError(self.refuse_transfers)

        def make() -> Transfer:
            transfer = Transfer(
                id=f"tr_{next(self._ids)}",
                amount=amount,
                currency=currency,
                destination=destination,
                transfer_group=transfer_group,
                amount_reversed=0,
                reversed=False,
                created=timezone.now(),
                metadata=metadata,
            )
            self.transfers[transfer.id] = transfer
            return transfer

        answer = self._once(idempotency_key, make)
        if self.timeouts_after_transfer:
            self.timeouts_after_transfer -= 1
            raise GatewayTimeout("Read timed out")
        return self.transfers[answer.id]

    def retrieve_transfer(self, transfer_id: str) -> Transfer:
        return self.transfers[transfer_id]

    def list_transfers(
        self, *, since: dt.datetime | None = None, transfer_group: str | None = None
    ) -> list[Transfer]:
        return [
            t
            for t in self.transfers.values()
            if (since is None or t.created >= since)
            and (transfer_group is None or t.transfer_group == transfer_group)
        ]

    def reverse(self, transfer_id: str, amount: int | None = None) -> dict[str, Any]:
        """Reverse (part of) a transfer on "Stripe"; returns the event's object."""
        transfer = self.transfers[transfer_id]
        reversed_amount = transfer.amount_reversed + (amount or transfer.amount)
        transfer = replace(
            transfer,
            amount_reversed=reversed_amount,
            reversed=reversed_amount >= transfer.amount,
        )
        self.transfers[transfer_id] = transfer
        return transfer_object(transfer)

    def transfer_count(self) -> int:
        return len(self.transfers)


def transfer_object(transfer: Transfer) -> dict[str, Any]:
    """A transfer as Stripe sends it in an event."""
    return {
        "id": transfer.id,
        "object": "transfer",
        "amount": transfer.amount,
        "currency": transfer.currency.lower(),
        "destination": transfer.destination,
        "transfer_group": transfer.transfer_group,
        "amount_reversed": transfer.amount_reversed,
        "reversed": transfer.reversed,
        "created": int(transfer.created.timestamp()),
        "metadata": transfer.metadata,
    }


@pytest.fixture
def connect() -> Iterator[FakeConnectGateway]:
    with use_connect_gateway(FakeConnectGateway()) as gateway:
        assert isinstance(gateway, FakeConnectGateway)
        yield gateway


@dataclass
class PayoutWorld:
    world: World
    admin: ProviderMembership

    @property
    def provider_id(self) -> int:
        return self.world.course.provider_id

    def started(self) -> Enrolment:
        """A learner accepted and started: the start milestone (45%) is released to the
        provider's payable account."""
        enrolment = self.world.offered()
        enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
        enrolment = enrolment_record_start(
            actor=self.world.provider_staff.user, enrolment=enrolment
        )
        return enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)

    def onboarded(self, *, payouts_enabled: bool = True) -> ConnectedAccount:
        return ConnectedAccount.objects.create(
            provider_id=self.provider_id,
            stripe_account_id=f"acct_test_{self.provider_id}",
            payouts_enabled=payouts_enabled,
            details_submitted=payouts_enabled,
            created_by=self.admin.user,
        )


def make_payout_world(**kwargs: Any) -> PayoutWorld:
    world = make_world(**kwargs)
    admin = ProviderMembershipFactory.create(provider=world.course.provider, role="admin")
    return PayoutWorld(world, admin)


START = 180_000  # the start milestone of a 400_000 course (45%)


def balances(world: PayoutWorld) -> tuple[int, int, int]:
    """(payable, in transit, paid out) of the provider, GBP."""
    provider = Provider.objects.get(pk=world.provider_id)
    payable = provider_payable_account(provider, "GBP")
    payable.refresh_from_db()
    return (
        payable.balance,
        payout_in_transit_account(world.provider_id, "GBP").balance,
        paid_out_account(world.provider_id, "GBP").balance,
    )
