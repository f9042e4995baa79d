-- Step 11: balance drift (`[trading] max_balance_drift`). One row per asset found out of
-- bounds on a venue: what the ledger expected, what the venue showed and from which report
-- (rest, stream); cleared when the user acknowledged it or a later report found it back
-- within bounds, or when a later run started (it reads every balance afresh). A venue
-- with a row not cleared opens no trade in the run that found it.
CREATE TABLE balance_drift (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER,
    venue           TEXT    NOT NULL,
    asset           TEXT    NOT NULL,
    expected        REAL    NOT NULL,
    actual          REAL    NOT NULL,
    source          TEXT    NOT NULL,     -- rest, stream
    ts_detected_ns  INTEGER NOT NULL,
    ts_cleared_ns   INTEGER,              -- NULL while open
    cleared_by      TEXT                  -- acknowledged, resolved, restart
);
CREATE INDEX balance_drift_open ON balance_drift (venue) WHERE ts_cleared_ns IS NULL;
