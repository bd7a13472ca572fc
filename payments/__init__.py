"""Stripe payments and payouts, and income-contingent repayment agreements."""
