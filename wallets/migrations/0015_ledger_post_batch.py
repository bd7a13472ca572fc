"""`ledger_post_batch()`: many balanced transactions in one round trip, set-based.

Posting a region's grants one `ledger_post()` at a time runs the entry trigger once per
entry, and the programme budget (one row, debited by every grant) is updated once per grant:
thousands of row versions of one hot row in one transaction. The batch function instead

- checks every posting first (at least two lines, distinct accounts, no zero amount, sums to
  zero, one currency, an idempotency key of its own per posting) and refuses the whole
  batch on the first bad one (SW003 unbalanced, SW007 malformed);
- inserts the transactions with ON CONFLICT on the idempotency key: a key already used
  with the same fingerprint is a replay (reported, nothing posted); a different request
  under a used key is SW004 and the batch is refused;
- locks every account once, in primary-key order (the budget once per batch, however many
  grants it pays), refuses unknown accounts (SW006) and other currencies (SW002);
- walks the entries per account in transaction-id order, computing sequence, balance and the
  hash chain with the same `ledger_entry_hash()` as the entry trigger, refusing an overdraft
  of a protected account at the entry where it happens (SW001);
- inserts every entry in one statement and updates each account once.

The entry trigger, the account guard and the two deferred balance checks stand aside only
while the function itself has `ledger.batch` set (transaction-local, switched off again
before it returns): the function has already done the same checks set-based. Setting that
setting by hand is the one way around the per-row triggers; nothing in the application
does it, and `manage.py ledger_verify` recomputes every chain and balance independently.
"""

from django.db import migrations

BATCH_OFF = "current_setting('ledger.batch', true) IS DISTINCT FROM 'on'"

FORWARD = r"""
CREATE OR REPLACE FUNCTION ledger_account_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
    -- Only the entry trigger (nested, depth 2) or ledger_post_batch() (while it runs) may
    -- move balances and the chain; neither may change the currency or the overdraft rule.
    IF (NEW.currency, NEW.allow_negative) IS DISTINCT FROM (OLD.currency, OLD.allow_negative)
       AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'ledger account % changes only through ledger entries', OLD.id
            USING ERRCODE = 'SW005';
    END IF;
    IF pg_trigger_depth() < 2 AND {BATCH_OFF} AND (
        (NEW.balance, NEW.entry_count, NEW.last_hash)
        IS DISTINCT FROM (OLD.balance, OLD.entry_count, OLD.last_hash)
    ) THEN
        RAISE EXCEPTION 'ledger account % changes only through ledger entries', OLD.id
            USING ERRCODE = 'SW005';
    END IF;
    -- Whose money an account holds is set once: reports read it, nobody re-labels it.
    IF (OLD.owner_programme_id IS NOT NULL
            AND NEW.owner_programme_id IS DISTINCT FROM OLD.owner_programme_id)
       OR (OLD.owner_provider_id IS NOT NULL
            AND NEW.owner_provider_id IS DISTINCT FROM OLD.owner_provider_id) THEN
        RAISE EXCEPTION 'ledger account % keeps its owner', OLD.id USING ERRCODE = 'SW005';
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER ledger_entry_apply ON wallets_ledgerentry;
CREATE TRIGGER ledger_entry_apply BEFORE INSERT ON wallets_ledgerentry
    FOR EACH ROW WHEN ({BATCH_OFF}) EXECUTE FUNCTION ledger_entry_apply();

DROP TRIGGER ledger_entries_balance ON wallets_ledgerentry;
CREATE CONSTRAINT TRIGGER ledger_entries_balance AFTER INSERT ON wallets_ledgerentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN ({BATCH_OFF}) EXECUTE FUNCTION ledger_transaction_check();

DROP TRIGGER ledger_transaction_has_entries ON wallets_ledgertransaction;
CREATE CONSTRAINT TRIGGER ledger_transaction_has_entries AFTER INSERT ON wallets_ledgertransaction
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN ({BATCH_OFF}) EXECUTE FUNCTION ledger_transaction_has_entries();

CREATE FUNCTION ledger_post_batch(
    p_kind text, p_currency text, p_actor_id bigint,
    p_keys text[], p_fingerprints text[], p_memos text[], p_reverses bigint[],
    p_line_txn int[], p_line_accounts bigint[], p_line_amounts bigint[]
) RETURNS TABLE (idx int, transaction_id bigint, replayed boolean) LANGUAGE plpgsql AS $$
DECLARE
    n int := coalesce(array_length(p_keys, 1), 0);
    m int := coalesce(array_length(p_line_txn, 1), 0);
    bad record;
    e record;
    v_new_ord int[];
    v_new_id bigint[];
    v_txn_of bigint[];
    i int;
    v_accounts bigint[];
    v_locked int;
    cur_account bigint := NULL;
    cur_seq bigint;
    cur_balance bigint;
    cur_hash text;
    cur_allow boolean;
    new_hash text;
    a_txn bigint[] := '{}';
    a_acc bigint[] := '{}';
    a_amt bigint[] := '{}';
    a_seq bigint[] := '{}';
    a_prev text[] := '{}';
    a_hash text[] := '{}';
    a_bal bigint[] := '{}';
BEGIN
    IF n = 0 THEN
        RETURN;
    END IF;
    IF array_length(p_fingerprints, 1) IS DISTINCT FROM n
       OR array_length(p_memos, 1) IS DISTINCT FROM n
       OR array_length(p_reverses, 1) IS DISTINCT FROM n
       OR array_length(p_line_accounts, 1) IS DISTINCT FROM m
       OR array_length(p_line_amounts, 1) IS DISTINCT FROM m THEN
        RAISE EXCEPTION 'a batch gives every posting a key, fingerprint, memo and reversal, and every line a posting, account and amount'
            USING ERRCODE = 'SW007';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_keys) AS k WHERE k IS NULL OR length(k) NOT BETWEEN 1 AND 200)
       OR (SELECT count(DISTINCT k) FROM unnest(p_keys) AS k) <> n THEN
        RAISE EXCEPTION 'every posting of a batch has its own idempotency key of 1 to 200 characters'
            USING ERRCODE = 'SW007';
    END IF;
    IF (SELECT count(DISTINCT t) FROM unnest(p_line_txn) AS t WHERE t BETWEEN 1 AND n) <> n
       OR EXISTS (SELECT 1 FROM unnest(p_line_txn) AS t WHERE t IS NULL OR t NOT BETWEEN 1 AND n) THEN
        RAISE EXCEPTION 'every line belongs to a posting of the batch, and every posting has lines'
            USING ERRCODE = 'SW007';
    END IF;
    SELECT l.t, count(*) AS lines, sum(l.a) AS total INTO bad
        FROM unnest(p_line_txn, p_line_accounts, p_line_amounts) AS l(t, acc, a)
        GROUP BY l.t
        HAVING count(*) < 2 OR count(DISTINCT l.acc) <> count(*) OR bool_or(l.acc IS NULL)
            OR bool_or(l.a IS NULL) OR bool_or(l.a = 0) OR sum(l.a) <> 0
        ORDER BY l.t LIMIT 1;
    IF FOUND THEN
        IF bad.lines >= 2 AND bad.total IS DISTINCT FROM 0 THEN
            RAISE EXCEPTION 'posting % of the batch does not balance: off by % %',
                bad.t, bad.total, p_currency USING ERRCODE = 'SW003';
        END IF;
        RAISE EXCEPTION 'posting % of the batch needs two or more lines on distinct accounts, none zero',
            bad.t USING ERRCODE = 'SW007';
    END IF;

    PERFORM set_config('ledger.batch', 'on', true);

    WITH input AS (
        SELECT x.k, x.f, x.memo, x.rev, x.ord::int AS ord
            FROM unnest(p_keys, p_fingerprints, p_memos, p_reverses) WITH ORDINALITY
                AS x(k, f, memo, rev, ord)
    ), ins AS (
        INSERT INTO wallets_ledgertransaction
            (kind, idempotency_key, fingerprint, actor_id, memo, reverses_id, created_at)
        SELECT p_kind, input.k, coalesce(input.f, ''), p_actor_id, left(coalesce(input.memo, ''), 500),
               input.rev, now()
            FROM input ORDER BY input.ord
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id, idempotency_key
    )
    SELECT array_agg(input.ord ORDER BY ins.id), array_agg(ins.id ORDER BY ins.id)
        INTO v_new_ord, v_new_id
        FROM ins JOIN input ON input.k = ins.idempotency_key;

    -- v_txn_of[posting] is its new transaction, NULL for a replay: a direct lookup, so a batch
    -- of thousands of postings never compares every posting with every other.
    v_txn_of := array_fill(NULL::bigint, ARRAY[n]);
    FOR i IN 1 .. coalesce(array_length(v_new_ord, 1), 0) LOOP
        v_txn_of[v_new_ord[i]] := v_new_id[i];
    END LOOP;

    -- Keys used before: the same request is a replay; another request under the key is refused.
    IF coalesce(array_length(v_new_ord, 1), 0) < n THEN
        SELECT t.id, x.k INTO bad
            FROM unnest(p_keys, p_fingerprints) WITH ORDINALITY AS x(k, f, ord)
            JOIN wallets_ledgertransaction t ON t.idempotency_key = x.k
            WHERE v_txn_of[x.ord] IS NULL AND t.fingerprint IS DISTINCT FROM coalesce(x.f, '')
            LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'idempotency key % was used for a different request', bad.k
                USING ERRCODE = 'SW004', DETAIL = bad.id::text;
        END IF;
    END IF;

    IF v_new_ord IS NOT NULL THEN
        SELECT array_agg(DISTINCT l.acc) INTO v_accounts
            FROM unnest(p_line_txn, p_line_accounts) AS l(t, acc)
            WHERE v_txn_of[l.t] IS NOT NULL;
        -- Each account locked once, in primary-key order (as ledger_post() does): no deadlock.
        SELECT count(*) INTO v_locked FROM (
            SELECT 1 FROM wallets_ledgeraccount WHERE id = ANY (v_accounts) ORDER BY id FOR UPDATE
        ) AS locked;
        IF v_locked <> array_length(v_accounts, 1) THEN
            RAISE EXCEPTION 'unknown ledger account in the batch' USING ERRCODE = 'SW006';
        END IF;
        SELECT id, currency INTO bad FROM wallets_ledgeraccount
            WHERE id = ANY (v_accounts) AND currency <> p_currency LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'account % holds %, not %', bad.id, bad.currency, p_currency
                USING ERRCODE = 'SW002';
        END IF;

        FOR e IN
            SELECT l.acc, v_txn_of[l.t] AS txn, l.a, ac.entry_count, ac.balance, ac.last_hash,
                   ac.allow_negative
                FROM unnest(p_line_txn, p_line_accounts, p_line_amounts) AS l(t, acc, a)
                JOIN wallets_ledgeraccount ac ON ac.id = l.acc
                WHERE v_txn_of[l.t] IS NOT NULL
                ORDER BY l.acc, 2
        LOOP
            IF cur_account IS DISTINCT FROM e.acc THEN
                cur_account := e.acc;
                cur_seq := e.entry_count;
                cur_balance := e.balance;
                cur_hash := e.last_hash;
                cur_allow := e.allow_negative;
            END IF;
            cur_seq := cur_seq + 1;
            cur_balance := cur_balance + e.a;
            IF NOT cur_allow AND cur_balance < 0 THEN
                RAISE EXCEPTION 'insufficient funds in account %', e.acc
                    USING ERRCODE = 'SW001', DETAIL = format('%s:%s', e.acc, -cur_balance);
            END IF;
            new_hash := ledger_entry_hash(cur_hash, e.acc, e.txn, cur_seq, e.a, p_currency);
            a_txn := a_txn || e.txn;
            a_acc := a_acc || e.acc;
            a_amt := a_amt || e.a;
            a_seq := a_seq || cur_seq;
            a_prev := a_prev || cur_hash;
            a_hash := a_hash || new_hash;
            a_bal := a_bal || cur_balance;
            cur_hash := new_hash;
        END LOOP;

        INSERT INTO wallets_ledgerentry
            (transaction_id, account_id, amount, currency, sequence, prev_hash, hash,
             balance_after, created_at)
        SELECT u.txn, u.acc, u.amt, p_currency, u.seq, u.prev, u.hash, u.bal, now()
            FROM unnest(a_txn, a_acc, a_amt, a_seq, a_prev, a_hash, a_bal)
                AS u(txn, acc, amt, seq, prev, hash, bal);

        UPDATE wallets_ledgeraccount ac
            SET balance = last.bal, entry_count = last.seq, last_hash = last.hash
            FROM (
                SELECT DISTINCT ON (u.acc) u.acc, u.seq, u.hash, u.bal
                    FROM unnest(a_acc, a_seq, a_hash, a_bal) AS u(acc, seq, hash, bal)
                    ORDER BY u.acc, u.seq DESC
            ) AS last
            WHERE ac.id = last.acc;
    END IF;

    PERFORM set_config('ledger.batch', 'off', true);

    RETURN QUERY
        SELECT x.ord::int, coalesce(v_txn_of[x.ord], t.id), v_txn_of[x.ord] IS NULL
            FROM unnest(p_keys) WITH ORDINALITY AS x(k, ord)
            LEFT JOIN wallets_ledgertransaction t
                ON v_txn_of[x.ord] IS NULL AND t.idempotency_key = x.k
            ORDER BY x.ord;
END $$;
""".replace("{BATCH_OFF}", BATCH_OFF)

BACKWARD = r"""
DROP FUNCTION IF EXISTS ledger_post_batch(text, text, bigint, text[], text[], text[], bigint[],
                                          int[], bigint[], bigint[]);
DROP TRIGGER ledger_transaction_has_entries ON wallets_ledgertransaction;
CREATE CONSTRAINT TRIGGER ledger_transaction_has_entries AFTER INSERT ON wallets_ledgertransaction
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_has_entries();
DROP TRIGGER ledger_entries_balance ON wallets_ledgerentry;
CREATE CONSTRAINT TRIGGER ledger_entries_balance AFTER INSERT ON wallets_ledgerentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_check();
DROP TRIGGER ledger_entry_apply ON wallets_ledgerentry;
CREATE TRIGGER ledger_entry_apply BEFORE INSERT ON wallets_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_apply();
"""


class Migration(migrations.Migration):
    dependencies = [("wallets", "0014_ledger_entry_account_id")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
