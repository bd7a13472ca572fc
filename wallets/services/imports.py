"""Bulk grant imports at region scale: stage, validate set-based, post in batches, cancel.

1. `grant_import_create` (a CSV file) and `grant_import_from_rule` (every eligible applicant
   of a region) stream rows into a temporary staging table with PostgreSQL COPY (memory
   stays flat, whatever the file's size), then validate the whole file in one set-based
   statement into `GrantImportRow`: format, duplicates, unknown learners, insiders, learners
   the programme already granted, and the budget against the total. Nothing moves yet; a
   file with errors is `invalid` unless the officer asked to grant the valid rows.
2. `grant_import_post_batch` posts the next batch of valid rows in one transaction: wallets,
   pot accounts, one `ledger_post_batch` round trip (the budget locked once), grants, pots,
   and the checkpoint (`posted_through`). A crash loses at most the batch in flight, which
   rolls back whole; resuming continues after the checkpoint. Each row's ledger transaction
   is keyed `grant-import-<id>-row-<line>`, so even a second worker credits nobody twice.
3. `grant_import_cancel` stops posting and reverses, in batches with their own checkpoint,
   every grant the import posted (kind REVERSAL, keyed `...-row-<line>-reversal`): the budget
   gets every pound back that is still in the pots (a pot already spent from is reported).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from core.errors import InvalidInput
from core.fields import AmountError, parse_amount
from core.jobs import enqueue_on_commit
from core.money import format_money
from users.models import User
from wallets.eligibility import EligibilityFacts, check_eligibility
from wallets.errors import InsufficientFunds, ProgrammeNotActive
from wallets.ledger import BatchPosting, ledger_post_batch
from wallets.models import (
    FundingProgramme,
    GrantImport,
    LedgerAccount,
    LedgerTransaction,
    ProgrammeApplication,
)
from wallets.selectors import check_funder_officer

MAX_IMPORT_ROWS = 5_000_000
MAX_REPORTED_ERRORS = 100
_STAGE_CHUNK = 10_000  # rows held in memory at once while staging

_STAGE_TABLE = "grant_import_stage"
_STAGE_DDL = (
    f"CREATE TEMP TABLE {_STAGE_TABLE} (line integer, email text, amount bigint, "
    "application_id bigint, error text) ON COMMIT DROP"
)
_STAGE_COPY = f"COPY {_STAGE_TABLE} (line, email, amount, application_id, error) FROM STDIN"

# One pass over the staged rows: the first reason a row cannot be granted, or ''.
_VALIDATE_SQL = f"""
INSERT INTO wallets_grantimportrow
    (grant_import_id, line, email, amount, learner_id, application_id, error)
SELECT %(import)s, s.line, s.email, s.amount, u.id, s.application_id,
    CASE
        WHEN s.error <> '' THEN s.error
        WHEN s.line <> s.first_line THEN 'duplicate of line ' || s.first_line
        WHEN u.id IS NULL THEN 'no learner has this email'
        WHEN u.id = %(actor)s THEN 'you cannot grant funds to yourself'
        WHEN u.is_staff THEN 'platform staff cannot receive grants'
        WHEN EXISTS (SELECT 1 FROM wallets_fundermembership m
                     WHERE m.user_id = u.id AND m.funder_id = %(funder)s)
            THEN 'members of the funder cannot receive its grants'
        WHEN EXISTS (SELECT 1 FROM wallets_grant g
                     WHERE g.programme_id = %(programme)s AND g.learner_id = u.id)
            THEN 'already granted by this programme'
        ELSE ''
    END
FROM (
    SELECT st.*, min(st.line) FILTER (WHERE st.error = '') OVER (PARTITION BY st.email)
        AS first_line
    FROM {_STAGE_TABLE} st
) AS s
LEFT JOIN users_user u ON s.error = '' AND lower(u.email) = s.email
"""  # noqa: S608 - fixed text; every value is bound

_BATCH_ROWS_SQL = """
SELECT r.line, r.learner_id, r.amount, r.application_id
FROM wallets_grantimportrow r
WHERE r.grant_import_id = %s AND r.error = '' AND r.line > %s
ORDER BY r.line
LIMIT %s
"""
# One unique-index probe per learner of the batch. Neither an EXISTS in the query above nor
# `learner_id = ANY(...)` is safe: while the grants table grows faster than its statistics,
# both were planned as scans of every grant of the programme, slower with each batch.
_GRANTED_SQL = """
SELECT u.learner FROM unnest(%s::bigint[]) AS u(learner)
CROSS JOIN LATERAL (
    SELECT 1 FROM wallets_grant g
    WHERE g.programme_id = %s AND g.learner_id = u.learner LIMIT 1
) AS found
"""

_POSTED_ROWS_SQL = """
SELECT r.line, t.id, g.amount, pot.account_id, pot.id
FROM wallets_grantimportrow r
JOIN wallets_ledgertransaction t
    ON t.idempotency_key = 'grant-import-' || r.grant_import_id || '-row-' || r.line
JOIN wallets_grant g ON g.transaction_id = t.id
JOIN wallets_walletpot pot ON pot.grant_id = g.id
WHERE r.grant_import_id = %s AND r.error = '' AND r.line > %s AND r.line <= %s
ORDER BY r.line
LIMIT %s
"""


def row_key(import_id: int, line: int) -> str:
    """The idempotency key of the ledger transaction that grants one row."""
    return f"grant-import-{import_id}-row-{line}"


def batch_size() -> int:
    return max(1, int(settings.GRANT_IMPORT_BATCH_SIZE))


# --- Staging and validation --------------------------------------------------------------


@dataclass(frozen=True)
class StagedRow:
    line: int
    email: str
    amount: int | None
    application_id: int | None
    error: str


def _csv_rows(programme: FundingProgramme, stream: IO[bytes]) -> Iterator[StagedRow]:
    """Read the file a row at a time: the header names `email` and optionally `amount`."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(text)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as exc:
        raise InvalidInput(f"The CSV cannot be read at line 1: {exc}.", line=1) from exc
    if "email" not in header:
        raise InvalidInput(
            "The CSV needs a header row with an `email` column (and optionally `amount`)."
        )
    email_at = header.index("email")
    amount_at = header.index("amount") if "amount" in header else None
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput(
                f"The CSV cannot be read at line {reader.line_num + 1}: {exc}.",
                line=reader.line_num + 1,
            ) from exc
        line += 1
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        email = cells[email_at].strip().lower() if email_at < len(cells) else ""
        raw_amount = cells[amount_at] if amount_at is not None and amount_at < len(cells) else ""
        yield _check_row(programme, line, email, raw_amount, None)


def _check_row(
    programme: FundingProgramme, line: int, email: str, raw_amount: str, application_id: int | None
) -> StagedRow:
    amount: int | None = programme.allowance
    error = ""
    try:
        validate_email(email)
    except ValidationError:
        error = "not a valid email address"
    if not error and raw_amount:
        try:
            amount = parse_amount(
                raw_amount, min_value=1, max_value=programme.allowance, allow_string=True
            )
        except AmountError:
            amount = None
            error = f"amount must be a whole number of pence from 1 to {programme.allowance}"
    return StagedRow(line, email[:254], amount, application_id, error)


def _rule_rows(programme: FundingProgramme, region: str) -> Iterator[StagedRow]:
    """Every submitted application of `region` that is eligible today, not yet granted."""
    today = timezone.localdate()
    applications = (
        ProgrammeApplication.objects.filter(
            programme=programme, region=region, status=ProgrammeApplication.Status.SUBMITTED
        )
        .select_related("learner")
        .order_by("pk")
    )
    line = 1
    for application in applications.iterator(chunk_size=2000):
        facts = EligibilityFacts(
            date_of_birth=application.date_of_birth,
            postcode=application.postcode,
            region=application.region,
            employment_status=application.employment_status,
            highest_qualification_level=application.highest_qualification_level,
        )
        if check_eligibility(programme, facts, today):
            continue  # not eligible: the rule does not select it
        line += 1
        email = application.learner.email.lower()
        yield StagedRow(line, email, programme.allowance, application.pk, "")


def _stage(
    grant_import: GrantImport,
    rows: Iterable[StagedRow],
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """COPY the rows into a temporary table, then validate them all in one statement."""
    raw = connection.connection  # the psycopg connection of this (atomic) transaction
    with connection.cursor() as cursor:
        cursor.execute(_STAGE_DDL)
    staged = 0
    chunk: list[tuple[Any, ...]] = []

    def flush() -> None:
        # One COPY per bounded chunk: the rows' source may query this same connection
        # (the rule reads applications) between chunks, never during a COPY.
        with raw.cursor() as cursor, cursor.copy(_STAGE_COPY) as copy:
            for values in chunk:
                copy.write_row(values)
        chunk.clear()
        if on_progress is not None:
            on_progress(staged)

    for row in rows:
        staged += 1
        if staged > MAX_IMPORT_ROWS:
            raise InvalidInput(f"At most {MAX_IMPORT_ROWS} rows per import.")
        chunk.append((row.line, row.email, row.amount, row.application_id, row.error))
        if len(chunk) >= _STAGE_CHUNK:
            flush()
    if chunk:
        flush()
    programme = grant_import.programme
    with connection.cursor() as cursor:
        # Autovacuum never sees a temporary table: without statistics the planner would
        # join a million staged rows as if there were a handful.
        cursor.execute(f"ANALYZE {_STAGE_TABLE}")
        cursor.execute(
            _VALIDATE_SQL,
            {
                "import": grant_import.pk,
                "actor": grant_import.created_by_id,
                "funder": programme.funder_id,
                "programme": programme.pk,
            },
        )
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE error = ''), "
            "coalesce(sum(amount) FILTER (WHERE error = ''), 0)::bigint "
            "FROM wallets_grantimportrow WHERE grant_import_id = %s",
            [grant_import.pk],
        )
        total, valid, amount = cursor.fetchone()
        cursor.execute("ANALYZE wallets_grantimportrow")  # the batches read it next
        cursor.execute(
            "SELECT line, email, error FROM wallets_grantimportrow "
            "WHERE grant_import_id = %s AND error <> '' ORDER BY line LIMIT %s",
            [grant_import.pk, MAX_REPORTED_ERRORS],
        )
        errors = [{"line": ln, "email": em, "reason": er} for ln, em, er in cursor.fetchall()]
    grant_import.total_rows, grant_import.valid_rows = total, valid
    grant_import.error_count, grant_import.errors = total - valid, errors
    grant_import.total_amount = amount


def _start(grant_import: GrantImport, *, grant_valid_rows: bool, enqueue: bool) -> GrantImport:
    """After validation: refuse (status invalid, nothing moved) or start posting."""
    programme = grant_import.programme
    budget = LedgerAccount.objects.get(pk=programme.budget_account_id)
    reason = ""
    if grant_import.error_count and not grant_valid_rows:
        reason = f"{grant_import.error_count} rows are invalid; nothing was granted."
    elif not grant_import.valid_rows:
        reason = "There are no valid rows to grant."
    elif budget.balance < grant_import.total_amount:
        reason = (
            f"The budget holds {format_money(budget.balance, programme.currency)}; "
            f"these grants need {format_money(grant_import.total_amount, programme.currency)}."
        )
    if reason:
        grant_import.status, grant_import.status_reason = GrantImport.Status.INVALID, reason
        grant_import.finished_at = timezone.now()
    else:
        grant_import.status = GrantImport.Status.POSTING
    grant_import.save()
    if grant_import.status == GrantImport.Status.POSTING and enqueue:
        from wallets.tasks import grant_import_run  # the task module imports these services

        enqueue_on_commit(grant_import_run, grant_import.pk)
    return grant_import


def _check_can_import(actor: User, programme: FundingProgramme) -> None:
    check_funder_officer(user=actor, funder_id=programme.funder_id)
    if programme.status != FundingProgramme.Status.ACTIVE:
        raise ProgrammeNotActive(programme_id=programme.pk, status=programme.status)


def grant_import_create(
    *,
    actor: User,
    programme: FundingProgramme,
    stream: IO[bytes],
    filename: str = "",
    grant_valid_rows: bool = False,
    enqueue: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> GrantImport:
    """Stage and validate a CSV file (streamed), then start posting unless it is refused."""
    _check_can_import(actor, programme)
    with transaction.atomic():
        grant_import = GrantImport.objects.create(
            programme=programme,
            created_by=actor,
            source=GrantImport.Source.FILE,
            filename=filename[:200],
        )
        _stage(grant_import, _csv_rows(programme, stream), on_progress)
        return _start(grant_import, grant_valid_rows=grant_valid_rows, enqueue=enqueue)


def grant_import_from_rule(
    *,
    actor: User,
    programme: FundingProgramme,
    region: str,
    enqueue: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> GrantImport:
    """Grant the allowance to every eligible applicant of `region` not yet granted."""
    _check_can_import(actor, programme)
    region = region.strip()
    if not region:
        raise InvalidInput("Name the region.", fields={"region": "Required."})
    with transaction.atomic():
        grant_import = GrantImport.objects.create(
            programme=programme, created_by=actor, source=GrantImport.Source.RULE, region=region
        )
        _stage(grant_import, _rule_rows(programme, region), on_progress)
        return _start(grant_import, grant_valid_rows=True, enqueue=enqueue)


# --- Posting ------------------------------------------------------------------------------


def _insert_returning(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def grant_import_post_batch(import_id: int, *, size: int | None = None) -> bool:
    """Post the next batch; True while there is more to post. One transaction per batch."""
    size = size or batch_size()
    began = time.perf_counter()
    own_transaction = not connection.in_atomic_block
    try:
        with transaction.atomic():
            if own_transaction:
                with connection.cursor() as cursor:
                    # Foreign keys checked as each statement ends, not all at commit: the
                    # batch's measured time (so the rate and time left) includes them. Only
                    # in a transaction of our own: the setting lasts until its end.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            return _post_batch(import_id, size, began)
    except InsufficientFunds:
        # Nothing of the batch posted; the rows before it stay posted.
        _stop(import_id, "The budget cannot cover the next batch: fund the programme, then resume.")
        return False


def _stop(import_id: int, reason: str) -> None:
    with transaction.atomic():
        grant_import = GrantImport.objects.select_for_update().get(pk=import_id)
        if grant_import.status == GrantImport.Status.POSTING:
            grant_import.status, grant_import.status_reason = GrantImport.Status.STOPPED, reason
            grant_import.save(update_fields=["status", "status_reason", "updated_at"])


def _post_batch(import_id: int, size: int, began: float) -> bool:
    grant_import = GrantImport.objects.select_for_update().get(pk=import_id)
    if grant_import.status != GrantImport.Status.POSTING:
        return False
    # The programme row, then its budget: the order every grant takes (no deadlock), and a
    # programme closed meanwhile stops the import. The budget is locked once per batch.
    programme = FundingProgramme.objects.select_for_update().get(pk=grant_import.programme_id)
    if programme.status != FundingProgramme.Status.ACTIVE:
        grant_import.status = GrantImport.Status.STOPPED
        grant_import.status_reason = "The programme is no longer active."
        grant_import.save(update_fields=["status", "status_reason", "updated_at"])
        return False
    LedgerAccount.objects.select_for_update().filter(pk=programme.budget_account_id).exists()
    if grant_import.posting_started_at is None:
        grant_import.posting_started_at = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_BATCH_ROWS_SQL, [grant_import.pk, grant_import.posted_through, size])
        rows = cursor.fetchall()
        if rows:
            cursor.execute(_GRANTED_SQL, [[row[1] for row in rows], programme.pk])
            granted = {learner for (learner,) in cursor.fetchall()}
    if not rows:
        grant_import.status = GrantImport.Status.DONE
        grant_import.finished_at = timezone.now()
        grant_import.save()
        return False
    fresh = [row for row in rows if row[1] not in granted]  # others were granted meanwhile
    if fresh:
        _grant_rows(grant_import, programme, fresh)
    grant_import.posted_through = rows[-1][0]
    grant_import.rows_done += len(fresh)
    grant_import.skipped_rows += len(rows) - len(fresh)
    grant_import.posted_amount += sum(row[2] for row in fresh)
    grant_import.posting_seconds += time.perf_counter() - began
    grant_import.save()
    return True


def _grant_rows(
    grant_import: GrantImport, programme: FundingProgramme, rows: list[tuple[Any, ...]]
) -> None:
    """Wallets, pot accounts, one batched ledger posting, grants and pots: set-based."""
    learners = [row[1] for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO wallets_wallet (learner_id, created_at) "
            "SELECT l, now() FROM unnest(%s::bigint[]) AS l ON CONFLICT (learner_id) DO NOTHING",
            [learners],
        )
        cursor.execute(
            "SELECT learner_id, id FROM wallets_wallet WHERE learner_id = ANY(%s)", [learners]
        )
        wallet_of = dict(cursor.fetchall())
    wallets = [wallet_of[learner] for learner in learners]
    keys = [f"pot:{wallet}:programme:{programme.pk}" for wallet in wallets]
    names = [f"{programme.name} pot of wallet {wallet}"[:200] for wallet in wallets]
    account_of = dict(
        _insert_returning(
            "INSERT INTO wallets_ledgeraccount (key, kind, name, currency, allow_negative, "
            "owner_programme_id, balance, entry_count, last_hash, created_at) "
            "SELECT k, 'wallet_pot', n, %s, false, %s, 0, 0, '', now() "
            "FROM unnest(%s::text[], %s::text[]) AS a(k, n) RETURNING key, id",
            [programme.currency, programme.pk, keys, names],
        )
    )
    accounts = [account_of[key] for key in keys]
    memo = f"Grant from {programme.name}"
    postings = ledger_post_batch(
        kind=LedgerTransaction.Kind.GRANT,
        currency=programme.currency,
        actor_id=grant_import.created_by_id,
        postings=[
            BatchPosting(
                idempotency_key=row_key(grant_import.pk, row[0]),
                lines=[(programme.budget_account_id, -row[2]), (account, row[2])],
                memo=memo,
            )
            for row, account in zip(rows, accounts, strict=True)
        ],
    )
    grant_of = dict(
        _insert_returning(
            "INSERT INTO wallets_grant (programme_id, learner_id, amount, application_id, "
            "transaction_id, granted_by_id, created_at) "
            "SELECT %s, l, a, app, t, %s, now() "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) "
            "AS g(l, a, app, t) RETURNING learner_id, id",
            [
                programme.pk,
                grant_import.created_by_id,
                learners,
                [row[2] for row in rows],
                [row[3] for row in rows],
                [posting.transaction_id for posting in postings],
            ],
        )
    )
    from wallets.services.pots import add_months

    expires_at = add_months(timezone.now(), programme.funds_expiry_months)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO wallets_walletpot (wallet_id, kind, programme_id, grant_id, account_id, "
            "expires_at, status, created_at) "
            "SELECT w, 'grant', %s, g, a, %s, 'active', now() "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS p(w, g, a)",
            [programme.pk, expires_at, wallets, [grant_of[lr] for lr in learners], accounts],
        )
        applications = [row[3] for row in rows if row[3] is not None]
        if applications:
            cursor.execute(
                "UPDATE wallets_programmeapplication SET status = 'approved', "
                "decided_by_id = %s, decided_at = now() "
                "WHERE id = ANY(%s) AND status = 'submitted'",
                [grant_import.created_by_id, applications],
            )


def grant_import_run(
    import_id: int,
    *,
    size: int | None = None,
    pause: float = 0.0,
    on_batch: Callable[[GrantImport], None] | None = None,
) -> GrantImport:
    """Post (or, once cancelled, reverse) batch after batch until there is nothing left."""
    while True:
        status = GrantImport.objects.values_list("status", flat=True).get(pk=import_id)
        if status == GrantImport.Status.POSTING:
            more = grant_import_post_batch(import_id, size=size)
        elif status == GrantImport.Status.CANCELLING:
            more = grant_import_reverse_batch(import_id, size=size)
        else:
            break
        if on_batch is not None:
            on_batch(GrantImport.objects.get(pk=import_id))
        if not more:
            continue  # the status changed: the loop re-reads it and stops or switches
        if pause:
            time.sleep(pause)
    return GrantImport.objects.get(pk=import_id)


def grant_import_resume(*, actor: User, grant_import: GrantImport) -> GrantImport:
    """Start a stopped import again (after funding the programme, say)."""
    check_funder_officer(user=actor, funder_id=grant_import.programme.funder_id)
    with transaction.atomic():
        locked = GrantImport.objects.select_for_update().get(pk=grant_import.pk)
        if locked.status in {GrantImport.Status.STOPPED, GrantImport.Status.POSTING}:
            locked.status, locked.status_reason = GrantImport.Status.POSTING, ""
            locked.save(update_fields=["status", "status_reason", "updated_at"])
            _enqueue(locked)
        elif locked.status == GrantImport.Status.CANCELLING:
            _enqueue(locked)
        return locked


def _enqueue(grant_import: GrantImport) -> None:
    from wallets.tasks import grant_import_run as task

    enqueue_on_commit(task, grant_import.pk)


# --- Cancelling ---------------------------------------------------------------------------


def grant_import_cancel(
    *, actor: User, grant_import: GrantImport, enqueue: bool = True
) -> GrantImport:
    """Stop the import and reverse every grant it posted (in batches, in the background)."""
    check_funder_officer(user=actor, funder_id=grant_import.programme.funder_id)
    with transaction.atomic():
        locked = GrantImport.objects.select_for_update().get(pk=grant_import.pk)
        if locked.status in {GrantImport.Status.VALIDATING, GrantImport.Status.INVALID}:
            locked.status = GrantImport.Status.CANCELLED
            locked.finished_at = timezone.now()
            locked.save()
        elif locked.status in {
            GrantImport.Status.POSTING,
            GrantImport.Status.STOPPED,
            GrantImport.Status.DONE,
        }:
            locked.status, locked.status_reason = GrantImport.Status.CANCELLING, ""
            locked.finished_at = None
            locked.save()
            if enqueue:
                _enqueue(locked)
        return locked


def grant_import_reverse_batch(import_id: int, *, size: int | None = None) -> bool:
    """Reverse the next batch of posted grants; True while there is more to reverse."""
    size = size or batch_size()
    with transaction.atomic():
        grant_import = GrantImport.objects.select_for_update().get(pk=import_id)
        if grant_import.status != GrantImport.Status.CANCELLING:
            return False
        programme = FundingProgramme.objects.get(pk=grant_import.programme_id)
        with connection.cursor() as cursor:
            cursor.execute(
                _POSTED_ROWS_SQL,
                [grant_import.pk, grant_import.reversed_through, grant_import.posted_through, size],
            )
            rows = cursor.fetchall()
        if not rows:
            grant_import.status = GrantImport.Status.CANCELLED
            grant_import.finished_at = timezone.now()
            unreturned = grant_import.posted_amount - grant_import.reversed_amount
            if unreturned:
                grant_import.status_reason = (
                    f"{format_money(unreturned, programme.currency)} had already been spent "
                    "or held from the pots and was not returned."
                )
            grant_import.save()
            return False
        pot_accounts = [row[3] for row in rows]
        balances = dict(
            LedgerAccount.objects.select_for_update()
            .filter(pk__in=pot_accounts)
            .order_by("pk")
            .values_list("pk", "balance")
        )
        whole = [row for row in rows if balances[row[3]] >= row[2]]
        if whole:
            ledger_post_batch(
                kind=LedgerTransaction.Kind.REVERSAL,
                currency=programme.currency,
                actor_id=grant_import.created_by_id,
                postings=[
                    BatchPosting(
                        idempotency_key=f"{row_key(grant_import.pk, row[0])}-reversal",
                        lines=[(row[3], -row[2]), (programme.budget_account_id, row[2])],
                        memo=f"Grant import {grant_import.pk} cancelled",
                        reverses_id=row[1],
                    )
                    for row in whole
                ],
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE wallets_walletpot SET status = 'expired' WHERE id = ANY(%s)",
                    [[row[4] for row in whole]],
                )
        grant_import.reversed_through = rows[-1][0]
        grant_import.rows_reversed += len(whole)
        grant_import.reversed_amount += sum(row[2] for row in whole)
        grant_import.save()
        return True


# --- Progress -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    rows_done: int
    rows_total: int
    rate: float  # rows per second of posting
    seconds_left: float | None


def grant_import_progress(grant_import: GrantImport) -> Progress:
    if grant_import.status in {GrantImport.Status.CANCELLING, GrantImport.Status.CANCELLED}:
        done, total = grant_import.rows_reversed, grant_import.rows_done
    else:
        done = grant_import.rows_done + grant_import.skipped_rows
        total = grant_import.valid_rows
    rate = (
        grant_import.rows_done / grant_import.posting_seconds
        if grant_import.posting_seconds
        else 0.0
    )
    left = (
        (total - done) / rate
        if rate and grant_import.status == GrantImport.Status.POSTING
        else None
    )
    return Progress(rows_done=done, rows_total=total, rate=rate, seconds_left=left)
