"""Enrolment money: the offer's terms, the escrow holds, milestone releases and returns.

Escrow is kept per source of money (docs/adr/0008): one hold per programme whose pots pay,
one for the learner's own money (and one for a deferral), so whose money is held and whose
paid a provider is read from the ledger.

Call these only inside a transaction that holds the enrolment's row lock (see
enrolments/services/enrolments.py); each posting locks its ledger accounts in primary-key order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone

from core.idempotency import scoped_key
from core.jobs import enqueue_on_commit
from core.money import format_money, round_money_down
from courses.models import Course
from enrolments.errors import ClawbackFailed, InvalidSplit
from enrolments.models import Enrolment, EnrolmentHold, HoldDraw, MilestonePayment
from enrolments.tasks import notify_milestone_paid
from providers.models import Provider
from users.models import User
from wallets.errors import InsufficientFunds
from wallets.ledger import account_create, account_get_or_create, ledger_post
from wallets.models import FundingProgramme, LedgerAccount, LedgerTransaction, Wallet, WalletPot
from wallets.services.pots import Draw, SpendTarget, spendable_pots, wallet_spend

DEFAULT_SCHEDULE = (45, 35, 20)


def spend_target(course: Course) -> SpendTarget:
    return SpendTarget(provider_id=course.provider_id, level=course.level, skills=course.skills)


@dataclass(frozen=True)
class Offer:
    """What an offer fixes: the price and the learner's co-payment. Acceptance charges exactly
    this, whatever happens to the course's price afterwards."""

    price: int
    currency: str
    co_payment: int
    programme: FundingProgramme | None


def offer_terms(*, wallet: Wallet, course: Course) -> Offer:
    """The price now, and the co-payment by the rule of the programme whose pot would pay
    first (earliest expiry); no co-payment when no programme's pot would pay."""
    programme = funding_programme(wallet=wallet, course=course)
    co_payment = 0
    if programme is not None:
        if programme.co_payment_kind == FundingProgramme.CoPayment.FLAT:
            co_payment = min(programme.co_payment_flat, course.price)
        elif programme.co_payment_kind == FundingProgramme.CoPayment.PERCENT:
            co_payment = round_money_down(course.price, programme.co_payment_percent / 100)
    return Offer(course.price, course.currency, co_payment, programme)


def funding_programme(*, wallet: Wallet, course: Course) -> FundingProgramme | None:
    """The programme of the first pot that would pay for `course` (earliest expiry)."""
    pots = spendable_pots(
        wallet=wallet, target=spend_target(course), currency=course.currency, now=timezone.now()
    )
    return next((pot.programme for pot in pots if pot.programme is not None), None)


def wallet_part_of(enrolment: Enrolment, deferred_part: int) -> int:
    """Price = wallet part + co-payment + deferred part; the offer fixed price and co-payment."""
    maximum = enrolment.price - enrolment.co_payment
    if deferred_part < 0 or deferred_part > maximum:
        raise InvalidSplit(
            "The deferred part is between nothing and "
            f"{format_money(maximum, enrolment.currency)} (the price less any co-payment).",
            deferred_part=deferred_part,
            maximum=maximum,
        )
    return maximum - deferred_part


def provider_payable_account(provider: Provider, currency: str) -> LedgerAccount:
    return account_get_or_create(
        key=f"provider:{provider.pk}:payable:{currency}",
        kind=LedgerAccount.Kind.PROVIDER_PAYABLE,
        name=f"{provider.display_name} payable ({currency})",
        currency=currency,
        provider_id=provider.pk,
    )


def hold_account_for(
    enrolment: Enrolment,
    *,
    source: str,
    programme_id: int | None,
    amount: int,
) -> EnrolmentHold:
    """A new escrow hold for one source of the enrolment's money (after the existing ones in
    release order). The caller posts `amount` into its account in the same transaction."""
    return EnrolmentHold.objects.create(
        enrolment=enrolment,
        source=source,
        programme_id=programme_id,
        account=_new_hold_account(enrolment, source=source, programme_id=programme_id),
        amount=amount,
        position=enrolment.holds.count(),
    )


def _new_hold_account(
    enrolment: Enrolment, *, source: str, programme_id: int | None
) -> LedgerAccount:
    label = f"{source}:{programme_id}" if programme_id else source
    deferral = source == EnrolmentHold.Source.DEFERRAL
    return account_create(
        key=f"hold:enrolment:{enrolment.pk}:{label}",
        # A deferred fee's money is the deferral budget's, not the grant budget's: its own
        # kind keeps the programme's grant figures and deferral figures apart.
        kind=LedgerAccount.Kind.DEFERRAL_HOLD if deferral else LedgerAccount.Kind.ESCROW_HOLD,
        name=f"Hold for enrolment {enrolment.pk} ({label})",
        currency=enrolment.currency,
        programme_id=programme_id,
        # Held for this provider: funders' figures per provider read it from the ledger.
        provider_id=enrolment.cohort.course.provider_id,
    )


def hold_funds(
    *,
    actor: User,
    enrolment: Enrolment,
    wallet: Wallet,
    course: Course,
    idempotency_key: str | None,
) -> None:
    """Move the wallet part from the learner's pots into escrow: one hold per programme whose
    pots pay (earliest expiry first), and one for the learner's own money, in one posting."""
    if enrolment.wallet_part == 0:
        return
    accounts: dict[int | None, LedgerAccount] = {}
    order: list[int | None] = []

    def route(draw: Draw) -> LedgerAccount:
        if draw.programme_id not in accounts:
            accounts[draw.programme_id] = _new_hold_account(
                enrolment, source=_source(draw.programme_id), programme_id=draw.programme_id
            )
            order.append(draw.programme_id)
        return accounts[draw.programme_id]

    spend = wallet_spend(
        actor=actor,
        wallet=wallet,
        amount=enrolment.wallet_part,
        currency=enrolment.currency,
        target=spend_target(course),
        destination=route,
        kind=LedgerTransaction.Kind.ENROLMENT_HOLD,
        memo=f"Held for {course.title}",
        idempotency_key=scoped_key("hold", enrolment.pk, key=idempotency_key),
    )
    holds = {}
    for position, programme_id in enumerate(order):
        holds[programme_id] = EnrolmentHold.objects.create(
            enrolment=enrolment,
            source=_source(programme_id),
            programme_id=programme_id,
            account=accounts[programme_id],
            amount=sum(d.amount for d in spend.draws if d.programme_id == programme_id),
            position=position,
        )
    HoldDraw.objects.bulk_create(
        HoldDraw(enrolment=enrolment, hold=holds[d.programme_id], pot_id=d.pot_id, amount=d.amount)
        for d in spend.draws
    )


def _source(programme_id: int | None) -> str:
    return EnrolmentHold.Source.GRANT if programme_id else EnrolmentHold.Source.PERSONAL


def held_total(enrolment: Enrolment) -> int:
    """What the enrolment's holds received at acceptance: the base of its milestone shares."""
    return sum(hold.amount for hold in enrolment.holds.all())


def _locked_holds(enrolment: Enrolment) -> list[tuple[EnrolmentHold, int]]:
    """The holds in release order with their balances, accounts locked by id."""
    holds = list(enrolment.holds.order_by("position"))
    balances = dict(
        LedgerAccount.objects.select_for_update()
        .filter(pk__in=[hold.account_id for hold in holds])
        .order_by("pk")
        .values_list("pk", "balance")
    )
    return [(hold, balances[hold.account_id]) for hold in holds]


def milestone_share(enrolment: Enrolment, milestone: str) -> int:
    """Shares of what is held. Start and completion round down; outcome takes the remainder,
    so they sum exactly."""
    held = held_total(enrolment)
    start = held * enrolment.milestone_start_percent // 100
    completion = held * enrolment.milestone_completion_percent // 100
    if milestone == MilestonePayment.Milestone.START:
        return start
    if milestone == MilestonePayment.Milestone.COMPLETION:
        return completion
    return held - start - completion


def completion_amount(
    *, share: int, programme: FundingProgramme | None, present: int, planned: int
) -> int:
    """The completion share scaled by the attendance rule, compared as exact integers.

    Default rule: present ÷ planned ≥ 80 % pays the full share, 25–80 % pays that fraction of
    it, below 25 % a quarter. Thresholds compare `present × 100` with `threshold × planned`:
    79.5 % is below 80 %, never rounded up to it. Rounded once, down, in round_money_down.
    """
    full, pro_rata_from, below = 80, 25, Decimal("0.25")
    if programme is not None:
        full = programme.attendance_full_percent
        pro_rata_from = programme.attendance_pro_rata_from_percent
        below = programme.attendance_below_fraction
    if planned <= 0:
        raise ValueError("attendance needs at least one planned session")
    if present * 100 >= full * planned:
        return share
    if present * 100 >= pro_rata_from * planned:
        return round_money_down(share, Fraction(present, planned))
    return round_money_down(share, below)


def release_milestone(
    *, actor: User | None, enrolment: Enrolment, milestone: str, amount: int
) -> MilestonePayment:
    """Pay `amount` from the holds to the provider for `milestone`; at most once per milestone.

    Holds pay in release order (money that would expire first is used first), each line in
    one posting, so the ledger shows which programme's money paid.
    """
    payment = MilestonePayment.objects.create(
        enrolment=enrolment, milestone=milestone, amount=amount
    )
    if amount > 0:
        course = enrolment.cohort.course
        payable = provider_payable_account(course.provider, enrolment.currency)
        lines: list[tuple[LedgerAccount | int, int]] = []
        remaining = amount
        for hold, balance in _locked_holds(enrolment):
            take = min(balance, remaining)
            if take > 0:
                lines.append((hold.account_id, -take))
                remaining -= take
        if remaining:  # never more than the holds hold; PostgreSQL's CHECK is the backstop
            raise InsufficientFunds("The holds cannot cover this milestone.", shortfall=remaining)
        posting = ledger_post(
            kind=LedgerTransaction.Kind.MILESTONE_RELEASE,
            currency=enrolment.currency,
            lines=[*lines, (payable, amount)],
            actor_id=actor.pk if actor else None,
            memo=f"{MilestonePayment.Milestone(milestone).label} milestone: {course.title}",
            idempotency_key=f"milestone:{enrolment.pk}:{milestone}",
        )
        payment.transaction_id = posting.transaction_id
        payment.save(update_fields=["transaction"])
        enqueue_on_commit(notify_milestone_paid, payment.pk)
    return payment


def return_hold(*, actor: User | None, enrolment: Enrolment, memo: str) -> int:
    """Return what the holds still hold to the pots it came from (latest draw first), in one
    posting. Money for a pot that has expired goes back to that pot's programme budget.
    Returns the amount returned.
    """
    holds = [(hold, balance) for hold, balance in _locked_holds(enrolment) if balance > 0]
    if not holds:
        return 0
    now = timezone.now()
    draws = list(HoldDraw.objects.filter(hold__in=[h for h, _ in holds]).order_by("-pk"))
    # Lock the pots (by id) before reading their expiry: a pot that expires at this moment
    # must not receive money that its expiry run has already swept (it would be stranded).
    pots = {
        pot.pk: pot
        for pot in WalletPot.objects.select_for_update(of=("self",))
        .select_related("programme")
        .filter(pk__in={draw.pot_id for draw in draws})
        .order_by("pk")
    }
    credits: dict[int, int] = defaultdict(int)
    lines: list[tuple[LedgerAccount | int, int]] = []
    for hold, balance in holds:
        remaining = balance
        for draw in (d for d in draws if d.hold_id == hold.pk):
            give = min(draw.amount - draw.returned, remaining)
            if give <= 0:
                continue
            pot = pots[draw.pot_id]
            expired = not pot.is_spendable(now)
            target = (
                pot.programme.budget_account_id if expired and pot.programme else pot.account_id
            )
            credits[target] += give
            draw.returned += give
            draw.save(update_fields=["returned"])
            remaining -= give
            if remaining == 0:
                break
        if remaining:  # cannot happen unless draws were lost; refuse rather than guess
            raise InsufficientFunds(
                "A hold's draws do not account for its balance.", enrolment_id=enrolment.pk
            )
        lines.append((hold.account_id, -balance))
    ledger_post(
        kind=LedgerTransaction.Kind.HOLD_RETURN,
        currency=enrolment.currency,
        lines=[*lines, *credits.items()],
        actor_id=actor.pk if actor else None,
        memo=memo,
    )
    return sum(balance for _, balance in holds)


def claw_back_milestones(*, actor: User, enrolment: Enrolment) -> int:
    """A cancelled cohort returns everything: paid milestones come back from the provider,
    each hold getting back what it paid."""
    holds = _locked_holds(enrolment)
    back = [(hold.account_id, hold.amount - balance) for hold, balance in holds]
    back = [(account, amount) for account, amount in back if amount > 0]
    paid = sum(amount for _, amount in back)
    if paid == 0:
        return 0
    payable = provider_payable_account(enrolment.cohort.course.provider, enrolment.currency)
    try:
        ledger_post(
            kind=LedgerTransaction.Kind.CLAWBACK,
            currency=enrolment.currency,
            lines=[(payable, -paid), *back],
            actor_id=actor.pk,
            memo=f"Cohort cancelled: milestone payments returned for enrolment {enrolment.pk}",
        )
    except InsufficientFunds as exc:
        raise ClawbackFailed(
            f"The provider's account no longer holds the {format_money(paid, enrolment.currency)} "
            "of milestone payments to return; the cancellation waits for platform staff.",
            enrolment_id=enrolment.pk,
            amount=paid,
        ) from exc
    return paid
