"""Reads that may go to a read replica: the public catalogue and learners' statements.

When `DATABASE_REPLICA_URL` is set, settings add a second alias (`replica`) and
`READ_REPLICA_ALIAS` names it. Read-only selectors ask `read_alias()` which alias to query
and pass it to `.using()` explicitly (no implicit router: a write path never meets the
replica by accident). A read made inside a transaction on the primary stays on the
primary, so it sees the transaction's own writes and the locks it holds.

A replica lags its primary by its replication delay: only reads that tolerate a second or
so of staleness use it (docs/scaling.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections


def read_alias() -> str:
    """The alias for a read-only query: the replica, unless none is configured or the
    caller is inside a transaction on the primary."""
    replica: str | None = getattr(settings, "READ_REPLICA_ALIAS", None)
    if not replica or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return replica
