"""Programme writes: create (a draft), update the rules, activate, close (final), fund from the
funder's account, approve providers. A programme's status changes only here."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core import audit
from core.errors import InvalidInput
from core.idempotency import scoped_key
from core.reference import Region
from core.skills import check_skills
from providers.models import Provider
from users.models import User
from wallets.errors import (
    FieldNotEditable,
    ProgrammeClosed,
    ProgrammeInUse,
    ProgrammeNotDraft,
    ProviderNotApproved,
)
from wallets.ledger import account_create, account_get_or_create, check_amount, ledger_post
from wallets.models import (
    Funder,
    FundingProgramme,
    LedgerAccount,
    LedgerTransaction,
    ProgrammeProviderApproval,
    ProgrammeStatusChange,
)
from wallets.selectors import check_funder_officer

STATUS_FIELDS = {"status"}

# The rules an officer sets. Not here: `status` (programme_activate, programme_close),
# `currency` (fixed at creation, with the budget account), the budget (programme_fund).
EDITABLE_FIELDS = {
    "name",
    "description",
    "budget_target",
    "opens_on",
    "closes_on",
    "min_age",
    "regions",
    "postcode_prefixes",
    "employment_statuses",
    "max_prior_qualification_level",
    "allowance",
    "allowed_levels",
    "allowed_skills",
    "funds_expiry_months",
    "co_payment_kind",
    "co_payment_flat",
    "co_payment_percent",
    "milestone_start_percent",
    "milestone_completion_percent",
    "milestone_outcome_percent",
    "attendance_full_percent",
    "attendance_pro_rata_from_percent",
    "attendance_below_fraction",
    "outcome_sample_rate",
    "completion_tolerance_days",
    "outcome_window_months",
}


# What platform staff may correct from the admin: names, dates and eligibility. The money
# rules (allowance, co-payment, milestones, attendance, expiry, sampling, budget target)
# are the funder's decisions, taken by its officers.
STAFF_EDITABLE_FIELDS = {
    "name",
    "description",
    "opens_on",
    "closes_on",
    "min_age",
    "regions",
    "postcode_prefixes",
    "employment_statuses",
    "max_prior_qualification_level",
    "allowed_levels",
    "allowed_skills",
}


def refuse_not_editable(fields: dict[str, Any], *, allowed: set[str]) -> None:
    """A 400 naming each field that is not one of `allowed` (status and money have their own
    operations: activate, close, fund)."""
    unknown = sorted(set(fields) - allowed)
    if not unknown:
        return
    if set(unknown) & STATUS_FIELDS:
        detail = (
            "status cannot be set: a new programme is a draft; use activate and close "
            "to change its status."
        )
    else:
        detail = f"These fields cannot be changed: {', '.join(unknown)}."
    raise FieldNotEditable(detail, fields=dict.fromkeys(unknown, "Not editable."))


def check_programme_rules(programme: FundingProgramme) -> None:
    """The programme's rules as they stand, checked by the same rules as every edit."""
    _check_rules(_values_of(programme))


def _check_rules(values: dict[str, Any]) -> None:
    """Cross-field rules, with one message per broken rule (the database checks them too)."""
    errors: dict[str, str] = {}
    milestones = (
        values["milestone_start_percent"]
        + values["milestone_completion_percent"]
        + values["milestone_outcome_percent"]
    )
    if milestones != 100:
        errors["milestone_start_percent"] = (
            f"Milestone percentages must sum to 100, not {milestones}."
        )
    if values["closes_on"] < values["opens_on"]:
        errors["closes_on"] = "The programme cannot close before it opens."
    if values["attendance_pro_rata_from_percent"] > values["attendance_full_percent"]:
        errors["attendance_pro_rata_from_percent"] = (
            "Pro-rata attendance must start at or below full attendance."
        )
    if (
        values["co_payment_kind"] == FundingProgramme.CoPayment.FLAT
        and values["co_payment_flat"] <= 0
    ):
        errors["co_payment_flat"] = "A flat co-payment needs an amount."
    if (
        values["co_payment_kind"] == FundingProgramme.CoPayment.PERCENT
        and values["co_payment_percent"] <= 0
    ):
        errors["co_payment_percent"] = "A percentage co-payment needs a percentage."
    unknown_regions = [r for r in values["regions"] if r not in Region.values]
    if unknown_regions:
        errors["regions"] = (
            f"Unknown regions: {', '.join(unknown_regions)}. Regions come from the same list as "
            "courses' regions."
        )
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    # Skills come from the maintained list, as courses' do: a typo would fund nothing.
    check_skills(values["allowed_skills"])


def _values_of(programme: FundingProgramme) -> dict[str, Any]:
    return {name: getattr(programme, name) for name in EDITABLE_FIELDS}


def funder_external_account(funder: Funder, currency: str) -> LedgerAccount:
    """Where a funder's money enters the ledger; it may go negative (money from outside)."""
    return account_get_or_create(
        key=f"funder:{funder.pk}:external:{currency}",
        kind=LedgerAccount.Kind.FUNDER_EXTERNAL,
        name=f"{funder.name} ({currency})",
        currency=currency,
        allow_negative=True,
    )


def programme_create(*, actor: User, funder: Funder, **fields: Any) -> FundingProgramme:
    """A new programme, always a draft: rules checked, budget account opened."""
    check_funder_officer(user=actor, funder_id=funder.pk)
    refuse_not_editable(fields, allowed=EDITABLE_FIELDS | {"currency"})
    with transaction.atomic():
        programme = FundingProgramme(funder=funder, status=FundingProgramme.Status.DRAFT, **fields)
        _check_rules(_values_of(programme))
        if FundingProgramme.objects.filter(funder=funder, name=programme.name).exists():
            raise InvalidInput(
                "This funder already has a programme with that name.",
                fields={"name": "Already used."},
            )
        programme.budget_account = account_create(
            key=f"programme:{uuid.uuid4().hex}:budget",
            kind=LedgerAccount.Kind.PROGRAMME_BUDGET,
            name=f"{programme.name} budget",
            currency=programme.currency,
        )
        programme.save()
        # The budget is the programme's own money: attributed once the programme has an id.
        LedgerAccount.objects.filter(pk=programme.budget_account_id).update(
            owner_programme=programme
        )
        audit.record(
            actor=actor,
            action="programme.create",
            obj=programme,
            after={"name": programme.name, "status": programme.status},
            funder_id=programme.funder_id,
            programme_id=programme.pk,
        )
    return programme


def programme_update(
    *, actor: User, programme: FundingProgramme, **fields: Any
) -> FundingProgramme:
    """Change the rules (never the status, currency or budget), checked as at creation.

    The funder's officers change any rule; platform staff only `STAFF_EDITABLE_FIELDS`.
    """
    refuse_not_editable(fields, allowed=EDITABLE_FIELDS)
    if not (actor.is_staff and set(fields) <= STAFF_EDITABLE_FIELDS):
        check_funder_officer(user=actor, funder_id=programme.funder_id)
    with transaction.atomic():
        locked = FundingProgramme.objects.select_for_update().get(pk=programme.pk)
        before = {name: getattr(locked, name) for name in fields}
        for name, value in fields.items():
            setattr(locked, name, value)
        _check_rules(_values_of(locked))
        if (
            "name" in fields
            and FundingProgramme.objects.filter(funder_id=locked.funder_id, name=locked.name)
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise InvalidInput(
                "This funder already has a programme with that name.",
                fields={"name": "Already used."},
            )
        locked.save()
        audit.record(
            actor=actor,
            action="programme.update",
            obj=locked,
            before=before,
            after={name: getattr(locked, name) for name in fields},
            funder_id=locked.funder_id,
            programme_id=locked.pk,
        )
    return locked


def programme_activate(*, actor: User, programme: FundingProgramme) -> FundingProgramme:
    """Open a draft programme: its rules are checked again and its window must not be over."""
    check_funder_officer(user=actor, funder_id=programme.funder_id)
    with transaction.atomic():
        locked = FundingProgramme.objects.select_for_update().get(pk=programme.pk)
        if locked.status == FundingProgramme.Status.CLOSED:
            raise ProgrammeClosed(programme_id=locked.pk)
        if locked.status != FundingProgramme.Status.DRAFT:
            raise ProgrammeNotDraft(programme_id=locked.pk, status=locked.status)
        check_programme_rules(locked)
        if locked.closes_on < timezone.localdate():
            raise InvalidInput(
                "The programme's window has ended; move its closing date first.",
                fields={"closes_on": "In the past."},
            )
        return _set_status(locked, actor, FundingProgramme.Status.ACTIVE, reason="")


def programme_close(*, actor: User, programme: FundingProgramme, reason: str) -> FundingProgramme:
    """Close a draft or active programme for good: no more applications nor grants.

    Money already granted stays in learners' pots until it is spent or expires.
    """
    check_funder_officer(user=actor, funder_id=programme.funder_id)
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise InvalidInput(
            "Give a reason of at most 500 characters; it is kept with the decision.",
            fields={"reason": "Required, at most 500 characters."},
        )
    with transaction.atomic():
        locked = FundingProgramme.objects.select_for_update().get(pk=programme.pk)
        if locked.status == FundingProgramme.Status.CLOSED:
            raise ProgrammeClosed(programme_id=locked.pk)
        return _set_status(locked, actor, FundingProgramme.Status.CLOSED, reason=reason)


def _set_status(
    locked: FundingProgramme, actor: User, status: str, *, reason: str
) -> FundingProgramme:
    """Called under the programme's row lock: records the change, then makes it."""
    ProgrammeStatusChange.objects.create(
        programme=locked, from_status=locked.status, to_status=status, reason=reason, actor=actor
    )
    audit.record(
        actor=actor,
        action="programme.activate"
        if status == FundingProgramme.Status.ACTIVE
        else "programme.close",
        obj=locked,
        before={"status": locked.status},
        after={"status": status, "reason": reason},
        funder_id=locked.funder_id,
        programme_id=locked.pk,
    )
    locked.status = status
    locked.save(update_fields=["status"])
    return locked


def programme_fund(
    *, actor: User, programme: FundingProgramme, amount: int, idempotency_key: str | None = None
) -> int:
    """Move `amount` from the funder's external account into the programme budget."""
    check_funder_officer(user=actor, funder_id=programme.funder_id)
    check_amount(amount)
    if amount < 0:
        raise InvalidInput("Funding must be a positive amount.", amount=amount)
    with transaction.atomic():
        external = funder_external_account(programme.funder, programme.currency)
        posting = ledger_post(
            kind=LedgerTransaction.Kind.PROGRAMME_FUNDING,
            currency=programme.currency,
            lines=[(external, -amount), (programme.budget_account_id, amount)],
            actor_id=actor.pk,
            memo=f"{programme.funder.name} funds {programme.name}",
            idempotency_key=scoped_key("fund", programme.pk, actor.pk, key=idempotency_key),
        )
        if not posting.replayed:
            audit.record(
                actor=actor,
                action="programme.fund",
                obj=programme,
                after={
                    "amount": amount,
                    "currency": programme.currency,
                    "transaction_id": posting.transaction_id,
                },
                funder_id=programme.funder_id,
                programme_id=programme.pk,
            )
    return posting.transaction_id


def programme_approve_provider(
    *, actor: User, programme: FundingProgramme, provider: Provider
) -> ProgrammeProviderApproval:
    check_funder_officer(user=actor, funder_id=programme.funder_id)
    if provider.status != Provider.Status.APPROVED:
        raise ProviderNotApproved()
    with transaction.atomic():
        approval, created = ProgrammeProviderApproval.objects.get_or_create(
            programme=programme, provider=provider, defaults={"approved_by": actor}
        )
        if created:
            audit.record(
                actor=actor,
                action="programme.approve_provider",
                obj=approval,
                after={"provider_id": provider.pk, "provider": provider.display_name},
                funder_id=programme.funder_id,
                programme_id=programme.pk,
            )
    return approval


def programme_delete(*, actor: User, programme: FundingProgramme) -> None:
    """Delete a draft programme that never moved money nor received applications."""
    check_funder_officer(user=actor, funder_id=programme.funder_id)
    with transaction.atomic():
        locked = FundingProgramme.objects.select_for_update().get(pk=programme.pk)
        budget = LedgerAccount.objects.select_for_update().get(pk=locked.budget_account_id)
        if (
            locked.status != FundingProgramme.Status.DRAFT
            or budget.entry_count
            or locked.applications.exists()
        ):
            raise ProgrammeInUse(programme_id=locked.pk, status=locked.status)
        locked.approved_providers.clear()
        # The programme and its budget point at each other; PostgreSQL checks foreign keys at
        # commit, so both rows go in one transaction (the account's trigger refuses the
        # delete if it ever had an entry).
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {FundingProgramme._meta.db_table} WHERE id = %s",  # noqa: S608
                [locked.pk],
            )
            cursor.execute(
                f"DELETE FROM {LedgerAccount._meta.db_table} WHERE id = %s",  # noqa: S608
                [budget.pk],
            )
