"""Funder reports: the figures (figures.py), who may read them (selectors.py) and each report
as JSON-ready rows and as CSV (catalogue.py). See docs/audit.md."""
