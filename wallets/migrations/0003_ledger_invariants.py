"""PostgreSQL enforces the ledger's invariants, whatever the application code does.

- entries and transactions are append-only (UPDATE/DELETE refused);
- an account's balance, entry count and chain hash change only through the entry trigger,
  which also computes each entry's position and hash chain;
- the CHECK on the account keeps protected balances at or above zero;
- at commit, every transaction has entries and they sum to zero per currency;
- `ledger_post()` posts a whole transaction in one round trip, idempotently, locking the
  accounts in primary-key order so that concurrent postings never deadlock.

Custom SQLSTATEs (mapped to domain errors in wallets/ledger.py):
SW001 insufficient funds, SW002 currency mismatch, SW003 unbalanced, SW004 idempotency
conflict, SW005 append-only violation, SW006 unknown account, SW007 malformed posting.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION ledger_entry_hash(prev_hash text, account_id bigint, transaction_id bigint,
                                  seq bigint, amount bigint, currency text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT encode(sha256(convert_to(
        concat_ws('|', prev_hash, account_id, transaction_id, seq, amount, currency), 'UTF8')), 'hex')
$$;

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'SW005', HINT = 'Correct a mistake with a reversing transaction.';
END $$;

CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON wallets_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transaction_append_only BEFORE UPDATE OR DELETE ON wallets_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE FUNCTION ledger_account_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.balance <> 0 OR NEW.entry_count <> 0 OR NEW.last_hash <> '' THEN
            RAISE EXCEPTION 'a new ledger account starts empty' USING ERRCODE = 'SW005';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF OLD.entry_count > 0 THEN
            RAISE EXCEPTION 'ledger account % has entries and cannot be deleted', OLD.id
                USING ERRCODE = 'SW005';
        END IF;
        RETURN OLD;
    END IF;
    -- Only the entry trigger (nested, depth 2) may move balances and the chain.
    IF pg_trigger_depth() < 2 AND (
        (NEW.balance, NEW.entry_count, NEW.last_hash, NEW.currency, NEW.allow_negative)
        IS DISTINCT FROM
        (OLD.balance, OLD.entry_count, OLD.last_hash, OLD.currency, OLD.allow_negative)
    ) THEN
        RAISE EXCEPTION 'ledger account % changes only through ledger entries', OLD.id
            USING ERRCODE = 'SW005';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER ledger_account_guard BEFORE INSERT OR UPDATE OR DELETE ON wallets_ledgeraccount
    FOR EACH ROW EXECUTE FUNCTION ledger_account_guard();

CREATE FUNCTION ledger_entry_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    acc record;
BEGIN
    SELECT id, currency, balance, entry_count, last_hash, allow_negative INTO acc
        FROM wallets_ledgeraccount WHERE id = NEW.account_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown ledger account %', NEW.account_id USING ERRCODE = 'SW006';
    END IF;
    IF acc.currency <> NEW.currency THEN
        RAISE EXCEPTION 'account % holds %, not %', acc.id, acc.currency, NEW.currency
            USING ERRCODE = 'SW002';
    END IF;
    NEW.sequence := acc.entry_count + 1;
    NEW.prev_hash := acc.last_hash;
    NEW.balance_after := acc.balance + NEW.amount;
    IF NOT acc.allow_negative AND NEW.balance_after < 0 THEN
        RAISE EXCEPTION 'insufficient funds in account %', acc.id
            USING ERRCODE = 'SW001', DETAIL = format('%s:%s', acc.id, -NEW.balance_after);
    END IF;
    NEW.hash := ledger_entry_hash(NEW.prev_hash, NEW.account_id, NEW.transaction_id,
                                  NEW.sequence, NEW.amount, NEW.currency);
    UPDATE wallets_ledgeraccount
        SET balance = NEW.balance_after, entry_count = NEW.sequence, last_hash = NEW.hash
        WHERE id = NEW.account_id;
    RETURN NEW;
END $$;

CREATE TRIGGER ledger_entry_apply BEFORE INSERT ON wallets_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_apply();

CREATE FUNCTION ledger_transaction_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
    n bigint;
BEGIN
    SELECT currency, sum(amount) AS total INTO bad FROM wallets_ledgerentry
        WHERE transaction_id = NEW.transaction_id
        GROUP BY currency HAVING sum(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: off by % %',
            NEW.transaction_id, bad.total, bad.currency USING ERRCODE = 'SW003';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_entries_balance AFTER INSERT ON wallets_ledgerentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_check();

CREATE FUNCTION ledger_transaction_has_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM wallets_ledgerentry WHERE transaction_id = NEW.id) < 2 THEN
        RAISE EXCEPTION 'ledger transaction % has fewer than two entries', NEW.id
            USING ERRCODE = 'SW003';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_transaction_has_entries AFTER INSERT ON wallets_ledgertransaction
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_has_entries();

CREATE FUNCTION ledger_post(
    p_kind text, p_idempotency_key text, p_fingerprint text, p_actor_id bigint, p_memo text,
    p_reverses_id bigint, p_currency text, p_account_ids bigint[], p_amounts bigint[]
) RETURNS TABLE (transaction_id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    v_txn bigint;
    v_fingerprint text;
BEGIN
    IF coalesce(array_length(p_account_ids, 1), 0) < 2
       OR array_length(p_account_ids, 1) <> coalesce(array_length(p_amounts, 1), 0) THEN
        RAISE EXCEPTION 'a posting needs at least two lines' USING ERRCODE = 'SW007';
    END IF;
    IF (SELECT sum(a) FROM unnest(p_amounts) AS a) <> 0 THEN
        RAISE EXCEPTION 'posting does not balance' USING ERRCODE = 'SW003';
    END IF;

    INSERT INTO wallets_ledgertransaction
        (kind, idempotency_key, fingerprint, actor_id, memo, reverses_id, created_at)
    VALUES (p_kind, p_idempotency_key, p_fingerprint, p_actor_id, p_memo, p_reverses_id, now())
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id INTO v_txn;

    IF v_txn IS NULL THEN
        -- The key was used before (possibly by a transaction that just committed).
        SELECT t.id, t.fingerprint INTO v_txn, v_fingerprint
            FROM wallets_ledgertransaction t WHERE t.idempotency_key = p_idempotency_key;
        IF v_fingerprint IS DISTINCT FROM p_fingerprint THEN
            RAISE EXCEPTION 'idempotency key % was used for a different request', p_idempotency_key
                USING ERRCODE = 'SW004', DETAIL = v_txn::text;
        END IF;
        RETURN QUERY SELECT v_txn, true;
        RETURN;
    END IF;

    -- Lock every account in primary-key order first: two postings never wait on each other
    -- in opposite orders, so they cannot deadlock.
    PERFORM 1 FROM wallets_ledgeraccount WHERE id = ANY (p_account_ids) ORDER BY id FOR UPDATE;

    INSERT INTO wallets_ledgerentry
        (transaction_id, account_id, amount, currency, sequence, prev_hash, hash, balance_after,
         created_at)
    SELECT v_txn, line.account_id, line.amount, p_currency, 0, '', '', 0, now()
        FROM unnest(p_account_ids, p_amounts) AS line(account_id, amount)
        ORDER BY line.account_id;

    RETURN QUERY SELECT v_txn, false;
END $$;
"""

BACKWARD = r"""
DROP FUNCTION IF EXISTS ledger_post(text, text, text, bigint, text, bigint, text, bigint[], bigint[]);
DROP TRIGGER IF EXISTS ledger_transaction_has_entries ON wallets_ledgertransaction;
DROP FUNCTION IF EXISTS ledger_transaction_has_entries();
DROP TRIGGER IF EXISTS ledger_entries_balance ON wallets_ledgerentry;
DROP FUNCTION IF EXISTS ledger_transaction_check();
DROP TRIGGER IF EXISTS ledger_entry_apply ON wallets_ledgerentry;
DROP FUNCTION IF EXISTS ledger_entry_apply();
DROP TRIGGER IF EXISTS ledger_account_guard ON wallets_ledgeraccount;
DROP FUNCTION IF EXISTS ledger_account_guard();
DROP TRIGGER IF EXISTS ledger_transaction_append_only ON wallets_ledgertransaction;
DROP TRIGGER IF EXISTS ledger_entry_append_only ON wallets_ledgerentry;
DROP FUNCTION IF EXISTS ledger_refuse_change();
DROP FUNCTION IF EXISTS ledger_entry_hash(text, bigint, bigint, bigint, bigint, text);
"""


class Migration(migrations.Migration):
    dependencies = [("wallets", "0002_programmes_ledger_wallets")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
