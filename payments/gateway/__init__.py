"""The Stripe gateway: the only package that imports the `stripe` SDK. Connect (accounts,
account links, transfers) is in `connect.py`."""
