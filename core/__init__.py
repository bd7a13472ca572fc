"""Cross-cutting pieces every app uses: errors, idempotency, pagination, schema helpers,
the read-only admin base, money helpers and reference data (skills, regions).

The leftmost app: it imports no other app of this project.
"""
