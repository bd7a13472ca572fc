"""Funders, programmes, grants, wallets and pots, and the double-entry ledger."""
