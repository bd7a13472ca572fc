"""Where a programme's money is, read from the ledger (never re-derived from enrolments).

Every ledger account says whose money it holds (`LedgerAccount.owner_programme`): the
programme's budget, its learners' grant pots, and the escrow holds its pots paid into. The
figures below are sums of those accounts' entries, grouped by the kind of transaction, and
of their balances:

    funded + reversed = available + in pots + held in escrow + paid to providers
                        (+ spent elsewhere)

`paid to providers` is net of clawbacks; `spent elsewhere` is money that left the pots by
any other kind of transaction (none today: every spend goes into escrow), so nothing that
moved is ever left out of the sum. The identity is checked against the balances the
database keeps (the entry trigger), so a figure that drifted would show. Figures `as_of` a
moment sum the entries up to it: a range's flows are the difference of two such snapshots.
See docs/money.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Sum

from providers.models import Provider
from wallets.models import FundingProgramme, Grant, LedgerAccount, LedgerTransaction

K = LedgerTransaction.Kind
A = LedgerAccount.Kind


@dataclass(frozen=True)
class ProviderMoney:
    """A programme's money for one provider: held for its courses, paid, clawed back."""

    provider_id: int
    provider_name: str
    held_in_escrow: int
    paid_to_provider: int  # net of clawbacks
    released: int
    clawed_back: int
    returned_from_holds: int


@dataclass(frozen=True)
class DeferralMoney:
    """A programme's deferral money: funded = available + held + paid to providers."""

    funded: int
    available: int
    drawn: int
    held_in_escrow: int
    paid_to_providers: int
    returned: int

    @property
    def balances(self) -> bool:
        return self.funded == self.available + self.held_in_escrow + self.paid_to_providers


@dataclass(frozen=True)
class ProgrammeMoney:
    programme_id: int
    currency: str
    funded: int
    granted: int
    in_pots: int
    held_in_escrow: int
    paid_to_providers: int  # released − clawed back
    released: int
    clawed_back: int
    returned_from_holds: int  # back from holds to the learners' pots or the budget
    returned_from_expired_pots: int  # swept from expired pots into the budget
    reversed: int  # net effect of reversing transactions on the programme's accounts
    spent_elsewhere: int  # left the pots other than into escrow (a direct wallet spend)
    available: int
    grants_count: int
    providers: list[ProviderMoney] = field(default_factory=list)
    # Deferred fees: the programme's deferral budget and the deferral holds it paid into.
    deferral: DeferralMoney | None = None

    @property
    def accounted_for(self) -> int:
        return (
            self.available
            + self.in_pots
            + self.held_in_escrow
            + self.paid_to_providers
            + self.spent_elsewhere
        )

    @property
    def balances(self) -> bool:
        """funded + reversed = available + in pots + held + paid (+ spent elsewhere)."""
        return self.funded + self.reversed == self.accounted_for


_BY_KIND = """
SELECT a.kind, a.owner_provider_id, t.kind, SUM(e.amount)
FROM wallets_ledgerentry e
JOIN wallets_ledgeraccount a ON a.id = e.account_id
JOIN wallets_ledgertransaction t ON t.id = e.transaction_id
WHERE a.owner_programme_id = %s AND (%s::timestamptz IS NULL OR e.created_at <= %s)
GROUP BY a.kind, a.owner_provider_id, t.kind
"""


ByKind = list[tuple[str, int | None, str, int]]


def programme_money(
    *, programme: FundingProgramme, as_of: dt.datetime | None = None, by_kind: ByKind | None = None
) -> ProgrammeMoney:
    """The programme's figures now (or at `as_of`), and the same per provider. Three queries.

    `by_kind`: the (account kind, provider, transaction kind, amount) sums of the entries up
    to `as_of` when the caller already has them (the audit reports keep exact summaries).
    """
    if by_kind is not None:
        rows = by_kind
    else:
        with connection.cursor() as cursor:
            cursor.execute(_BY_KIND, [programme.pk, as_of, as_of])
            # SUM over bigint is numeric in PostgreSQL: back to exact Python integers.
            rows = [(a, p, t, int(amount)) for a, p, t, amount in cursor.fetchall()]

    def total(account_kind: str, *transaction_kinds: str, provider: int | None = None) -> int:
        return sum(
            amount
            for a_kind, provider_id, t_kind, amount in rows
            if a_kind == account_kind
            and (not transaction_kinds or t_kind in transaction_kinds)
            and (provider is None or provider_id == provider)
        )

    released = -total(A.ESCROW_HOLD, K.MILESTONE_RELEASE)
    clawed_back = total(A.ESCROW_HOLD, K.CLAWBACK)
    reversed_total = sum(
        amount
        for a_kind, _, t_kind, amount in rows
        if t_kind == K.REVERSAL and a_kind in (A.PROGRAMME_BUDGET, A.WALLET_POT, A.ESCROW_HOLD)
    )
    provider_ids = sorted(
        {p for a_kind, p, _, _ in rows if a_kind == A.ESCROW_HOLD and p is not None}
    )
    known = {
        K.PROGRAMME_FUNDING,
        K.GRANT,
        K.ENROLMENT_HOLD,
        K.HOLD_RETURN,
        K.POT_EXPIRY,
        K.MILESTONE_RELEASE,
        K.CLAWBACK,
        K.REVERSAL,
    }
    grant_accounts = (A.PROGRAMME_BUDGET, A.WALLET_POT, A.ESCROW_HOLD)
    spent_elsewhere = -sum(
        amount
        for a_kind, _, t_kind, amount in rows
        if a_kind in grant_accounts and t_kind not in known
    )
    names = {p.pk: p.display_name for p in Provider.objects.filter(pk__in=provider_ids)}
    providers = [
        ProviderMoney(
            provider_id=provider_id,
            provider_name=names.get(provider_id, ""),
            held_in_escrow=total(A.ESCROW_HOLD, provider=provider_id),
            paid_to_provider=-total(A.ESCROW_HOLD, K.MILESTONE_RELEASE, provider=provider_id)
            - total(A.ESCROW_HOLD, K.CLAWBACK, provider=provider_id),
            released=-total(A.ESCROW_HOLD, K.MILESTONE_RELEASE, provider=provider_id),
            clawed_back=total(A.ESCROW_HOLD, K.CLAWBACK, provider=provider_id),
            returned_from_holds=-total(A.ESCROW_HOLD, K.HOLD_RETURN, provider=provider_id),
        )
        for provider_id in provider_ids
    ]
    grants = Grant.objects.filter(programme=programme)
    if as_of is not None:
        grants = grants.filter(created_at__lte=as_of)
    return ProgrammeMoney(
        programme_id=programme.pk,
        currency=programme.currency,
        funded=total(A.PROGRAMME_BUDGET, K.PROGRAMME_FUNDING),
        granted=-total(A.PROGRAMME_BUDGET, K.GRANT),
        in_pots=total(A.WALLET_POT),
        held_in_escrow=total(A.ESCROW_HOLD),
        paid_to_providers=released - clawed_back,
        released=released,
        clawed_back=clawed_back,
        returned_from_holds=-total(A.ESCROW_HOLD, K.HOLD_RETURN),
        returned_from_expired_pots=total(A.PROGRAMME_BUDGET, K.POT_EXPIRY),
        reversed=reversed_total,
        spent_elsewhere=spent_elsewhere,
        available=total(A.PROGRAMME_BUDGET),
        grants_count=grants.count(),
        providers=providers,
        deferral=DeferralMoney(
            funded=total(A.DEFERRAL_BUDGET, K.DEFERRAL_FUNDING),
            available=total(A.DEFERRAL_BUDGET),
            drawn=-total(A.DEFERRAL_BUDGET, K.DEFERRAL_DRAW),
            held_in_escrow=total(A.DEFERRAL_HOLD),
            paid_to_providers=-total(A.DEFERRAL_HOLD, K.MILESTONE_RELEASE)
            - total(A.DEFERRAL_HOLD, K.CLAWBACK),
            returned=total(A.DEFERRAL_BUDGET, K.DEFERRAL_RETURN),
        )
        if any(a_kind == A.DEFERRAL_BUDGET for a_kind, _, _, _ in rows)
        else None,
    )


def programme_balances_now(*, programme: FundingProgramme) -> dict[str, int]:
    """The balances PostgreSQL keeps on the programme's accounts (the entry trigger), for
    checking the figures summed from entries."""
    sums = dict(
        LedgerAccount.objects.filter(owner_programme=programme)
        .values_list("kind")
        .annotate(total=Sum("balance"))
        .values_list("kind", "total")
    )
    kinds = (A.PROGRAMME_BUDGET, A.WALLET_POT, A.ESCROW_HOLD)
    return {kind: int(sums.get(kind) or 0) for kind in kinds}
