"""Wallet models: funders and programmes, the ledger, wallets and pots, applications."""

from wallets.models.funders import Funder, FunderMembership
from wallets.models.imports import GrantImport, GrantImportRow
from wallets.models.ledger import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    LedgerVerificationRun,
)
from wallets.models.programmes import (
    EmploymentStatus,
    FundingProgramme,
    Grant,
    ProgrammeApplication,
    ProgrammeProviderApproval,
    ProgrammeStatusChange,
)
from wallets.models.wallets import Wallet, WalletPot

__all__ = [
    "EmploymentStatus",
    "Funder",
    "FunderMembership",
    "FundingProgramme",
    "Grant",
    "GrantImport",
    "GrantImportRow",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerTransaction",
    "LedgerVerificationRun",
    "ProgrammeApplication",
    "ProgrammeProviderApproval",
    "ProgrammeStatusChange",
    "Wallet",
    "WalletPot",
]
