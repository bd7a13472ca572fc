"""Provider payouts through Stripe Connect (docs/payouts.md).

Onboarding: a provider admin gets an Express account and a one-use account link;
`account.updated` tells us when payouts are enabled (`on_account_updated`).

Payouts: the daily run moves each eligible provider's payable balance into one Payout. In
one database transaction it records the payout, the milestones it covers and the ledger
move payable → in transit; after commit it asks Stripe for a transfer with the payout's
idempotency key; the answer moves in transit → paid out (or, if Stripe refused, back to
payable). A timeout leaves the payout "calling": `payouts_repair` asks Stripe (transfers of
the payout's transfer group) and, if there is none, retries with the same key, so a retry
never pays twice. A reversed transfer returns the money to payable (`on_transfer_event`).
No Stripe call is made inside a transaction or under a lock.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from enrolments.models import MilestonePayment, ProblemReport
from enrolments.services.money import provider_payable_account
from payments.errors import StripeRefused, StripeUnavailable
from payments.gateway.connect import (
    AccountLink,
    GatewayError,
    GatewayTimeout,
    Transfer,
    get_connect_gateway,
    transfer_from_stripe,
)
from payments.gateway.core import idempotency_key
from payments.models import ConnectedAccount, Payout, PayoutItem
from providers.models import Provider
from providers.selectors import check_provider_member
from users.models import User
from wallets.ledger import account_get_or_create, ledger_post
from wallets.models import LedgerAccount, LedgerEntry, LedgerTransaction

logger = logging.getLogger(__name__)

A = LedgerAccount.Kind
K = LedgerTransaction.Kind


# --- Ledger accounts -----------------------------------------------------------------------


def payout_in_transit_account(provider_id: int, currency: str) -> LedgerAccount:
    return account_get_or_create(
        key=f"provider:{provider_id}:payout_in_transit:{currency}",
        kind=A.PAYOUT_IN_TRANSIT,
        name=f"Provider {provider_id} payouts in transit ({currency})",
        currency=currency,
        provider_id=provider_id,
    )


def paid_out_account(provider_id: int, currency: str) -> LedgerAccount:
    return account_get_or_create(
        key=f"provider:{provider_id}:paid_out:{currency}",
        kind=A.PAID_OUT,
        name=f"Provider {provider_id} paid out ({currency})",
        currency=currency,
        provider_id=provider_id,
    )


# --- Onboarding ----------------------------------------------------------------------------


def connected_account_onboard(
    *, actor: User, provider: Provider
) -> tuple[ConnectedAccount, AccountLink]:
    """A provider admin starts (or continues) Stripe onboarding: the provider's Express
    account, created once, and a fresh one-use account link to Stripe's onboarding form."""
    check_provider_member(user=actor, provider_id=provider.pk, admin=True)
    with transaction.atomic():
        ConnectedAccount.objects.get_or_create(provider=provider, defaults={"created_by": actor})
        account = ConnectedAccount.objects.select_for_update().get(provider=provider)
        account.links_created += 1
        account.save(update_fields=["links_created", "updated_at"])
    # After commit: the account row (our record of the intent) exists, its id keys the call.
    gateway = get_connect_gateway()
    try:
        if not account.stripe_account_id:
            created = gateway.create_account(
                email=actor.email,
                country=settings.STRIPE_CONNECT_COUNTRY,
                metadata={"provider_id": str(provider.pk), "connected_account_id": str(account.pk)},
                idempotency_key=idempotency_key("account", account.pk, 1),
            )
            ConnectedAccount.objects.filter(pk=account.pk, stripe_account_id__isnull=True).update(
                stripe_account_id=created.id,
                payouts_enabled=created.payouts_enabled,
                details_submitted=created.details_submitted,
                updated_at=timezone.now(),
            )
            account.refresh_from_db()
        base = f"{settings.FRONTEND_URL}/providers/{provider.pk}/payouts"
        link = gateway.create_account_link(
            account_id=str(account.stripe_account_id),
            refresh_url=f"{base}?onboarding=refresh",
            return_url=f"{base}?onboarding=done",
            idempotency_key=idempotency_key("account_link", account.pk, account.links_created),
        )
    except GatewayTimeout as exc:
        raise StripeUnavailable() from exc
    except GatewayError as exc:
        logger.warning("Stripe refused onboarding for provider %s: %s", provider.pk, exc)
        raise StripeRefused() from exc
    return account, link


def on_account_updated(obj: dict[str, Any]) -> bool:
    """`account.updated`: record whether the account can receive payouts (the object's
    current state). False when the account is not one of ours."""
    updated = ConnectedAccount.objects.filter(stripe_account_id=str(obj.get("id"))).update(
        payouts_enabled=bool(obj.get("payouts_enabled")),
        details_submitted=bool(obj.get("details_submitted")),
        updated_at=timezone.now(),
    )
    return updated > 0


# --- The daily payout run ------------------------------------------------------------------


@dataclass
class PayoutRunResult:
    paid: list[int] = field(default_factory=list)  # payout ids
    calling: list[int] = field(default_factory=list)  # no answer yet: the repair task follows
    failed: list[int] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # "provider:currency" → reason


def clawed_back(enrolment: OuterRef) -> Exists:
    """The enrolment's milestone payments were clawed back (a cancelled cohort returns all
    of them from the provider's payable balance to the holds)."""
    return Exists(
        LedgerEntry.objects.filter(
            account__enrolment_hold__enrolment=enrolment, transaction__kind=K.CLAWBACK
        )
    )


def unpaid_milestones(provider_id: int, currency: str) -> QuerySet[MilestonePayment]:
    """Milestone payments released to the provider, not clawed back and in no live payout
    yet. A clawed-back milestone is owed to nobody: its money went back to the holds."""
    return (
        MilestonePayment.objects.filter(
            enrolment__cohort__course__provider_id=provider_id,
            enrolment__currency=currency,
            amount__gt=0,
            transaction__isnull=False,
        )
        .exclude(payout_items__returned=False)
        .exclude(clawed_back(OuterRef("enrolment")))
        .order_by("pk")
    )


def payout_skip_reason(provider: Provider, payable: LedgerAccount) -> str | None:
    if provider.status != Provider.Status.APPROVED:
        return f"provider_{provider.status}"
    account = ConnectedAccount.objects.filter(provider=provider).first()
    if account is None or not account.stripe_account_id:
        return "not_onboarded"
    if not account.payouts_enabled:
        return "payouts_not_enabled"
    if payable.balance < settings.PAYOUT_MINIMUM_MINOR:
        return "below_minimum"
    if Payout.objects.filter(
        provider=provider, currency=payable.currency, status=Payout.Status.CALLING
    ).exists():
        return "payout_in_progress"
    milestones = unpaid_milestones(provider.pk, payable.currency)
    if ProblemReport.objects.filter(enrolment__in=milestones.values("enrolment")).exists():
        return "open_problem_report"
    return None


def payout_create(*, provider_id: int, currency: str) -> Payout | str:
    """Record one payout of the provider's whole payable balance and move it in transit, in
    one transaction. Returns the payout, or why there is none."""
    with transaction.atomic():
        provider = Provider.objects.select_for_update().get(pk=provider_id)
        payable_id = provider_payable_account(provider, currency).pk
        payable = LedgerAccount.objects.select_for_update().get(pk=payable_id)
        reason = payout_skip_reason(provider, payable)
        if reason is not None:
            return reason
        account = ConnectedAccount.objects.get(provider=provider)
        payout = Payout.objects.create(
            provider=provider,
            connected_account=account,
            amount=payable.balance,
            currency=currency,
        )
        PayoutItem.objects.bulk_create(
            PayoutItem(payout=payout, milestone_payment=milestone, amount=milestone.amount)
            for milestone in unpaid_milestones(provider.pk, currency)
        )
        ledger_post(
            kind=K.PAYOUT,
            currency=currency,
            lines=[
                (payable, -payout.amount),
                (payout_in_transit_account(provider.pk, currency), payout.amount),
            ],
            memo=f"Payout {payout.pk} to {provider.display_name}",
            idempotency_key=f"payout:{payout.pk}:send",
        )
    return payout


def payout_call(*, payout_id: int) -> Payout:
    """Ask Stripe for the payout's transfer (after commit, with the payout's idempotency key)
    and record the answer. A timeout leaves the payout calling, for `payouts_repair`."""
    payout = Payout.objects.select_related("connected_account").get(pk=payout_id)
    if payout.status != Payout.Status.CALLING:
        return payout
    try:
        transfer = get_connect_gateway().create_transfer(
            amount=payout.amount,
            currency=payout.currency,
            destination=str(payout.connected_account.stripe_account_id),
            transfer_group=payout.transfer_group,
            metadata={"payout_id": str(payout.pk), "provider_id": str(payout.provider_id)},
            idempotency_key=payout.idempotency_key,
        )
    except GatewayTimeout as exc:
        Payout.objects.filter(pk=payout.pk, status=Payout.Status.CALLING).update(
            error=f"No answer from Stripe: {exc}"[:500], called_at=timezone.now()
        )
        return Payout.objects.get(pk=payout.pk)
    except GatewayError as exc:
        return payout_record_failure(payout_id=payout.pk, error=str(exc))
    return payout_record_transfer(payout_id=payout.pk, transfer=transfer)


def payout_record_transfer(*, payout_id: int, transfer: Transfer) -> Payout:
    """Stripe has the transfer: in transit → paid out (once), then any reversal it carries."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status == Payout.Status.CALLING and (
            mismatch := transfer_mismatch(payout, transfer)
        ):
            # Not our transfer as we asked for it: recording it would make the ledger say we
            # paid what Stripe did not move. Left calling for staff (reconciliation lists it).
            payout.error = f"Stripe transfer {transfer.id} does not match: {mismatch}"[:500]
            payout.save(update_fields=["error"])
            logger.error("Payout %s: %s", payout.pk, payout.error)
            return payout
        if payout.status == Payout.Status.CALLING:
            payout.status = Payout.Status.PAID
            payout.stripe_transfer_id = transfer.id
            payout.paid_at = timezone.now()
            payout.error = ""
            payout.save(update_fields=["status", "stripe_transfer_id", "paid_at", "error"])
            ledger_post(
                kind=K.PAYOUT_PAID,
                currency=payout.currency,
                lines=[
                    (
                        payout_in_transit_account(payout.provider_id, payout.currency),
                        -payout.amount,
                    ),
                    (paid_out_account(payout.provider_id, payout.currency), payout.amount),
                ],
                memo=f"Payout {payout.pk}: Stripe transfer {transfer.id}",
                idempotency_key=f"payout:{payout.pk}:paid",
            )
        if payout.status in (Payout.Status.PAID, Payout.Status.REVERSED):
            _return_reversed(payout, transfer.amount_reversed)
    return payout


def transfer_mismatch(payout: Payout, transfer: Transfer) -> str | None:
    """How a transfer differs from the one the payout asked for (None: it is that one)."""
    destination = ConnectedAccount.objects.get(pk=payout.connected_account_id).stripe_account_id
    wanted = (payout.amount, payout.currency.upper(), destination)
    got = (transfer.amount, transfer.currency.upper(), transfer.destination)
    names = ("amount", "currency", "destination")
    differences = [
        f"{n} {g} (ours {w})" for n, w, g in zip(names, wanted, got, strict=True) if w != g
    ]
    return ", ".join(differences) or None


def _return_reversed(payout: Payout, amount_reversed: int) -> None:
    """Return to payable what Stripe reversed beyond what we already returned (locked)."""
    target = min(amount_reversed, payout.amount)
    more = target - payout.amount_returned
    if more <= 0:
        return
    ledger_post(
        kind=K.PAYOUT_RETURN,
        currency=payout.currency,
        lines=[
            (paid_out_account(payout.provider_id, payout.currency), -more),
            (provider_payable_account(payout.provider, payout.currency), more),
        ],
        memo=f"Payout {payout.pk}: transfer reversed",
        idempotency_key=f"payout:{payout.pk}:reversed:{target}",
    )
    payout.amount_returned = target
    fields = ["amount_returned"]
    if target == payout.amount:
        payout.status, payout.returned_at = Payout.Status.REVERSED, timezone.now()
        fields += ["status", "returned_at"]
        payout.items.update(returned=True)
    payout.save(update_fields=fields)


def payout_record_failure(*, payout_id: int, error: str) -> Payout:
    """Stripe refused the transfer: in transit → payable; its milestones wait for the next."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update().select_related("provider").get(pk=payout_id)
        if payout.status != Payout.Status.CALLING:
            return payout
        ledger_post(
            kind=K.PAYOUT_RETURN,
            currency=payout.currency,
            lines=[
                (payout_in_transit_account(payout.provider_id, payout.currency), -payout.amount),
                (provider_payable_account(payout.provider, payout.currency), payout.amount),
            ],
            memo=f"Payout {payout.pk} failed: returned to payable",
            idempotency_key=f"payout:{payout.pk}:failed",
        )
        payout.status = Payout.Status.FAILED
        payout.error = error[:500]
        payout.amount_returned = payout.amount
        payout.returned_at = timezone.now()
        payout.save(update_fields=["status", "error", "amount_returned", "returned_at"])
        payout.items.update(returned=True)
    logger.warning("Payout %s failed: %s", payout.pk, error)
    return payout


def payouts_run() -> PayoutRunResult:
    """The daily run: one payout per provider and currency with a payable balance."""
    result = PayoutRunResult()
    payables = (
        LedgerAccount.objects.filter(kind=A.PROVIDER_PAYABLE, owner_provider__isnull=False)
        .filter(balance__gt=0)
        .order_by("pk")
        .values_list("owner_provider_id", "currency")
    )
    for provider_id, currency in payables:
        created = payout_create(provider_id=provider_id, currency=currency)
        if isinstance(created, str):
            result.skipped[f"{provider_id}:{currency}"] = created
            continue
        payout = payout_call(payout_id=created.pk)
        if payout.status == Payout.Status.PAID:
            result.paid.append(payout.pk)
        elif payout.status == Payout.Status.CALLING:
            result.calling.append(payout.pk)
        else:
            result.failed.append(payout.pk)
    return result


def payouts_repair(*, now: dt.datetime | None = None) -> list[int]:
    """Payouts left calling (a crash or a timeout between the call and its record): ask
    Stripe for the payout's transfer group; record what it has, or retry with the same
    idempotency key. Returns the payouts that are no longer calling."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.PAYOUT_REPAIR_AFTER_MINUTES)
    repaired = []
    stuck = Payout.objects.filter(status=Payout.Status.CALLING, created_at__lte=cutoff)
    gateway = get_connect_gateway()
    for payout in stuck.order_by("pk"):
        try:
            found = [
                t
                for t in gateway.list_transfers(transfer_group=payout.transfer_group)
                if t.metadata.get("payout_id", str(payout.pk)) == str(payout.pk)
            ]
        except GatewayError:
            logger.warning("Stripe did not answer about payout %s; next run", payout.pk)
            continue
        if found:
            done = payout_record_transfer(payout_id=payout.pk, transfer=found[0])
        elif (reason := retry_hold_reason(payout)) is not None:
            # No transfer yet: a retry would be the first real one, so the rules of a new
            # payout apply. Held in transit (no call) until they hold again; staff see why.
            Payout.objects.filter(pk=payout.pk, status=Payout.Status.CALLING).update(
                error=f"Transfer not retried: {reason}"
            )
            logger.warning("Payout %s not retried: %s", payout.pk, reason)
            continue
        else:
            done = payout_call(payout_id=payout.pk)
        if done.status != Payout.Status.CALLING:
            repaired.append(payout.pk)
    return repaired


def retry_hold_reason(payout: Payout) -> str | None:
    """Why a calling payout whose transfer Stripe does not have must not be retried now: the
    provider is no longer approved, its account cannot receive payouts, or a learner has
    reported a problem on an enrolment whose milestone the payout covers."""
    provider = Provider.objects.get(pk=payout.provider_id)
    if provider.status != Provider.Status.APPROVED:
        return f"provider_{provider.status}"
    if not ConnectedAccount.objects.filter(
        pk=payout.connected_account_id, payouts_enabled=True
    ).exists():
        return "payouts_not_enabled"
    enrolments = payout.items.filter(returned=False).values("milestone_payment__enrolment")
    if ProblemReport.objects.filter(enrolment__in=enrolments).exists():
        return "open_problem_report"
    return None


def on_transfer_event(obj: dict[str, Any]) -> Payout | None:
    """`transfer.*` events: record the transfer's current state on its payout. A reversal
    returns the reversed amount to payable (once); a failed transfer returns all of it.
    None when the transfer is not one of ours (reconciliation lists it)."""
    transfer = transfer_from_stripe(obj)
    payout = Payout.objects.filter(stripe_transfer_id=transfer.id).first()
    if payout is None and transfer.metadata.get("payout_id", "").isdigit():
        payout = Payout.objects.filter(
            pk=int(transfer.metadata["payout_id"]), stripe_transfer_id__isnull=True
        ).first()
    if payout is None:
        return None
    if obj.get("status") == "failed":
        if payout.status == Payout.Status.CALLING:
            return payout_record_failure(payout_id=payout.pk, error="Stripe: transfer failed")
        transfer = Transfer(**{**transfer.__dict__, "amount_reversed": transfer.amount})
    return payout_record_transfer(payout_id=payout.pk, transfer=transfer)
