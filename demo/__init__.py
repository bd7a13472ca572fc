"""Demo data for every role (`manage.py demo_load`). A leaf: it may import every app."""
