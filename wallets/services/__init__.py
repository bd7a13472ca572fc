"""Every write in wallets/: programmes, applications and grants, wallets and pots."""

from wallets.services.grants import (
    application_approve,
    application_refuse,
    application_submit,
    grant_create,
    grants_bulk_create,
)
from wallets.services.pots import (
    SpendTarget,
    pot_expire,
    pots_expire_due,
    wallet_get_or_create,
    wallet_spend,
)
from wallets.services.programmes import (
    programme_activate,
    programme_approve_provider,
    programme_close,
    programme_create,
    programme_delete,
    programme_fund,
    programme_update,
)

__all__ = [
    "SpendTarget",
    "application_approve",
    "application_refuse",
    "application_submit",
    "grant_create",
    "grants_bulk_create",
    "pot_expire",
    "pots_expire_due",
    "programme_activate",
    "programme_approve_provider",
    "programme_close",
    "programme_create",
    "programme_delete",
    "programme_fund",
    "programme_update",
    "wallet_get_or_create",
    "wallet_spend",
]
