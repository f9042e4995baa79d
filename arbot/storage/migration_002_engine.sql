-- Step 2: what the arbitrage engine records with each episode, and one row per run.
-- Episodes keep the exact quotes and fees they were built from, so every reported
-- opportunity can be recomputed independently from its own row.
ALTER TABLE opportunities ADD COLUMN run_id INTEGER;
ALTER TABLE opportunities ADD COLUMN buy_ask_size REAL;
ALTER TABLE opportunities ADD COLUMN sell_bid_size REAL;
ALTER TABLE opportunities ADD COLUMN buy_fee_bps REAL;
ALTER TABLE opportunities ADD COLUMN sell_fee_bps REAL;
ALTER TABLE opportunities ADD COLUMN buy_quote_ns INTEGER;   -- receive time of the buy quote at open
ALTER TABLE opportunities ADD COLUMN sell_quote_ns INTEGER;
ALTER TABLE opportunities ADD COLUMN close_reason TEXT;      -- below_min, stale, venue_down, shutdown

-- One row per engine run: its settings and its why-no-trade funnel, kept up to date.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    started_ns  INTEGER NOT NULL,
    ended_ns    INTEGER,
    demo        INTEGER NOT NULL DEFAULT 0,
    settings    TEXT,                    -- strategy and filter settings as JSON (no secrets)
    funnel      TEXT                     -- the funnel counters as JSON
);
