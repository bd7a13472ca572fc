"""Wallet APIs: funders' officers and auditors (funders, programmes), and learners (wallet)."""
