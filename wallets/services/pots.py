"""Wallets and pots: creating them, spending from them, expiring them."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.checks import present
from core.money import format_money
from users.models import User
from wallets.errors import InsufficientFunds, InvalidAmount, PotExpired
from wallets.ledger import account_create, check_amount, ledger_post
from wallets.models import FundingProgramme, LedgerAccount, LedgerTransaction, Wallet, WalletPot

logger = logging.getLogger(__name__)


Moment = TypeVar("Moment", dt.date, dt.datetime)


def add_months(moment: Moment, months: int) -> Moment:
    """Same day `months` later, clamped to the month's last day (31 Jan + 1 month → 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def wallet_get_or_create(*, learner: User) -> Wallet:
    wallet, _ = Wallet.objects.get_or_create(learner=learner)
    return wallet


def pot_create_for_grant(
    *, wallet: Wallet, programme: FundingProgramme, granted_at: dt.datetime
) -> WalletPot:
    """A new earmarked pot; the caller posts the grant into its account."""
    account = account_create(
        key=f"pot:{wallet.pk}:programme:{programme.pk}",
        kind=LedgerAccount.Kind.WALLET_POT,
        name=f"{programme.name} pot of wallet {wallet.pk}",
        currency=programme.currency,
        programme_id=programme.pk,
    )
    return WalletPot.objects.create(
        wallet=wallet,
        kind=WalletPot.Kind.GRANT,
        programme=programme,
        account=account,
        expires_at=add_months(granted_at, programme.funds_expiry_months),
    )


def personal_pot_get_or_create(*, wallet: Wallet, currency: str = "GBP") -> WalletPot:
    pot = WalletPot.objects.filter(wallet=wallet, kind=WalletPot.Kind.PERSONAL).first()
    if pot is not None:
        return pot
    account = account_create(
        key=f"pot:{wallet.pk}:personal:{currency}",
        kind=LedgerAccount.Kind.WALLET_POT,
        name=f"Personal top-up pot of wallet {wallet.pk}",
        currency=currency,
    )
    return WalletPot.objects.create(wallet=wallet, kind=WalletPot.Kind.PERSONAL, account=account)


@dataclass(frozen=True)
class SpendTarget:
    """What the money is for: the course's provider, level and skills decide which pots pay."""

    provider_id: int
    level: int
    skills: Sequence[str]


def pot_allows(pot: WalletPot, target: SpendTarget, approved_programme_ids: set[int]) -> bool:
    if pot.kind == WalletPot.Kind.PERSONAL:
        return True
    programme = present(pot.programme, "a grant pot's programme")
    if programme.pk not in approved_programme_ids:
        return False
    if programme.allowed_levels and target.level not in programme.allowed_levels:
        return False
    return not programme.allowed_skills or bool(set(programme.allowed_skills) & set(target.skills))


def spendable_pots(
    *, wallet: Wallet, target: SpendTarget, currency: str, now: dt.datetime
) -> list[WalletPot]:
    """Pots that may pay for `target`, earliest expiry first (the personal pot last)."""
    candidates = (
        WalletPot.objects.spendable(now)
        .filter(wallet=wallet, account__currency=currency)
        .select_related("programme", "account")
        .order_by("expires_at", "pk")  # NULLs (the personal pot) sort last in ascending order
    )
    pots = list(candidates)
    programme_ids = {p.programme_id for p in pots if p.programme_id}
    approved = set(
        FundingProgramme.approved_providers.through.objects.filter(
            programme_id__in=programme_ids, provider_id=target.provider_id
        ).values_list("programme_id", flat=True)
    )
    return [pot for pot in pots if pot_allows(pot, target, approved)]


def _raise_if_funds_expired(
    *,
    wallet: Wallet,
    target: SpendTarget,
    currency: str,
    now: dt.datetime,
    available: int,
    shortfall: int,
) -> None:
    """When grant pots that would have paid have expired, say so rather than "not enough"."""
    expired = list(
        WalletPot.objects.filter(
            wallet=wallet, kind=WalletPot.Kind.GRANT, account__currency=currency
        )
        .filter(Q(status=WalletPot.Status.EXPIRED) | Q(expires_at__lte=now))
        .select_related("programme")
    )
    approved = set(
        FundingProgramme.approved_providers.through.objects.filter(
            programme_id__in={p.programme_id for p in expired}, provider_id=target.provider_id
        ).values_list("programme_id", flat=True)
    )
    expired = [pot for pot in expired if pot_allows(pot, target, approved)]
    if expired:
        names = ", ".join(
            f"{p.programme.name} ({p.expires_at:%d %b %Y})"
            for p in expired
            if p.programme and p.expires_at
        )
        raise PotExpired(
            f"Funds that could have paid for this have expired: {names}.",
            expired_pot_ids=[p.pk for p in expired],
            available=available,
            shortfall=shortfall,
            currency=currency,
        )


@dataclass(frozen=True)
class Draw:
    pot_id: int
    account_id: int
    amount: int
    programme_id: int | None  # the programme whose grant pot this came from; None: own money


Destination = LedgerAccount | int | Callable[[Draw], LedgerAccount | int]


@dataclass(frozen=True)
class Spend:
    transaction_id: int
    draws: list[Draw]
    replayed: bool


def wallet_spend(
    *,
    actor: User,
    wallet: Wallet,
    amount: int,
    currency: str,
    target: SpendTarget,
    destination: Destination,
    kind: str = LedgerTransaction.Kind.SPEND,
    memo: str = "",
    idempotency_key: str | None = None,
) -> Spend:
    """Move `amount` from the wallet's allowed pots (earliest expiry first) to `destination`.

    `destination` is one account, or a function that names the account for each draw (so
    that money from different programmes lands in different accounts, in one posting).
    Locks the pots' ledger accounts in primary-key order before reading their balances.
    Raises InsufficientFunds with the shortfall when the allowed pots cannot cover it.
    """
    check_amount(amount)
    if amount < 0:
        raise InvalidAmount("A spend must be a positive amount.", amount=amount)
    with transaction.atomic():
        now = timezone.now()
        pots = spendable_pots(wallet=wallet, target=target, currency=currency, now=now)
        balances = dict(
            LedgerAccount.objects.select_for_update()
            .filter(pk__in=[pot.account_id for pot in pots])
            .order_by("pk")
            .values_list("pk", "balance")
        )
        draws: list[Draw] = []
        remaining = amount
        for pot in pots:
            take = min(balances[pot.account_id], remaining)
            if take > 0:
                draws.append(Draw(pot.pk, pot.account_id, take, pot.programme_id))
                remaining -= take
            if remaining == 0:
                break
        if remaining:
            _raise_if_funds_expired(
                wallet=wallet,
                target=target,
                currency=currency,
                now=now,
                available=amount - remaining,
                shortfall=remaining,
            )
            raise InsufficientFunds(
                f"Your wallet can cover {format_money(amount - remaining, currency)} of "
                f"{format_money(amount, currency)}; "
                f"{format_money(remaining, currency)} is missing.",
                available=amount - remaining,
                shortfall=remaining,
                currency=currency,
            )
        credits: dict[int, int] = defaultdict(int)
        for draw in draws:
            target_account = destination(draw) if callable(destination) else destination
            credits[_account_pk(target_account)] += draw.amount
        posting = ledger_post(
            kind=kind,
            currency=currency,
            lines=[*((d.account_id, -d.amount) for d in draws), *credits.items()],
            actor_id=actor.pk,
            memo=memo,
            idempotency_key=idempotency_key,
        )
    return Spend(transaction_id=posting.transaction_id, draws=draws, replayed=posting.replayed)


def _account_pk(account: LedgerAccount | int) -> int:
    return account if isinstance(account, int) else account.pk


def pot_expire(*, pot_id: int, now: dt.datetime | None = None) -> int | None:
    """Expire one grant pot: return its unspent money to the programme budget.

    Returns the ledger transaction id, or None when nothing was left to return.
    """
    now = now or timezone.now()
    with transaction.atomic():
        pot = (
            WalletPot.objects.select_for_update(of=("self",))
            .select_related("programme")
            .get(pk=pot_id)
        )
        if pot.status == WalletPot.Status.EXPIRED:
            return None
        if pot.kind != WalletPot.Kind.GRANT or pot.expires_at is None or pot.expires_at > now:
            raise PotExpired("This pot has not reached its expiry date.", pot_id=pot_id)
        programme = present(pot.programme, "a grant pot's programme")
        balance = LedgerAccount.objects.select_for_update().get(pk=pot.account_id).balance
        transaction_id = None
        if balance > 0:
            transaction_id = ledger_post(
                kind=LedgerTransaction.Kind.POT_EXPIRY,
                currency=programme.currency,
                lines=[(pot.account_id, -balance), (programme.budget_account_id, balance)],
                memo=f"Unspent {programme.name} funds returned to the programme on expiry",
                idempotency_key=f"pot-expiry:{pot.pk}",
            ).transaction_id
        pot.status = WalletPot.Status.EXPIRED
        pot.save(update_fields=["status"])
    logger.info("pot %s expired; returned %s to programme %s", pot_id, balance, programme.pk)
    return transaction_id


def pots_expire_due(*, now: dt.datetime | None = None) -> int:
    """Expire every grant pot past its date, each in its own transaction. Returns how many."""
    now = now or timezone.now()
    due = (
        WalletPot.objects.filter(
            kind=WalletPot.Kind.GRANT, status=WalletPot.Status.ACTIVE, expires_at__lte=now
        )
        .order_by("expires_at", "pk")  # oldest first, and the same order on every run
        .values_list("pk", flat=True)
    )
    count = 0
    for pot_id in list(due):
        pot_expire(pot_id=pot_id, now=now)
        count += 1
    return count
