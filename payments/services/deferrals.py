"""Programme deferral writes: officers offer deferral (plan, per-learner maximum) and fund
its budget from the funder, like a programme budget."""

from __future__ import annotations

from django.db import transaction

from core.errors import InvalidInput
from payments import ledger
from payments.errors import PlanCurrencyMismatch
from payments.models import ProgrammeDeferral
from payments.selectors import plan_get_by_code
from users.models import User
from wallets.ledger import check_amount
from wallets.models import FundingProgramme
from wallets.selectors import check_funder_officer


def deferral_configure(
    *,
    actor: User,
    programme: FundingProgramme,
    plan_code: str,
    max_per_learner: int,
    active: bool = True,
) -> tuple[ProgrammeDeferral, bool]:
    """Offer (or change) deferral on a programme; returns the deferral and whether it is new.

    Agreements already signed keep the terms they were signed on.
    """
    check_funder_officer(user=actor, funder_id=programme.funder_id)
    plan = plan_get_by_code(code=plan_code)
    if plan.currency != programme.currency:
        raise PlanCurrencyMismatch(
            plan=plan.code, plan_currency=plan.currency, programme_currency=programme.currency
        )
    if isinstance(max_per_learner, bool) or max_per_learner <= 0:
        raise InvalidInput("The maximum per learner must be positive.")
    with transaction.atomic():
        locked = FundingProgramme.objects.select_for_update().get(pk=programme.pk)
        deferral = ProgrammeDeferral.objects.select_for_update().filter(programme=locked).first()
        created = deferral is None
        if deferral is None:
            budget, obligations = ledger.deferral_accounts_create(locked)
            deferral = ProgrammeDeferral(
                programme=locked, budget_account=budget, obligations_account=obligations
            )
        deferral.plan, deferral.max_per_learner, deferral.active = plan, max_per_learner, active
        deferral.save()
    return deferral, created


def deferral_fund(
    *,
    actor: User,
    deferral: ProgrammeDeferral,
    amount: int,
    idempotency_key: str | None = None,
) -> int:
    """Move `amount` from the funder's external account into the deferral budget."""
    check_funder_officer(user=actor, funder_id=deferral.programme.funder_id)
    check_amount(amount)
    if amount < 0:
        raise InvalidInput("Funding must be a positive amount.", amount=amount)
    with transaction.atomic():
        return ledger.post_deferral_funding(
            actor_id=actor.pk, deferral=deferral, amount=amount, idempotency_key=idempotency_key
        )
