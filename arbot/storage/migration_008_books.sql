-- Step 8: recorded order books (`[storage] record_books`, `arbot import tardis-book`).
-- One row per snapshot of one venue's book for one symbol: its top levels, best first,
-- each side a compact JSON array of [price, size] pairs as the venue's own strings,
-- e.g. [["60000.1","0.52"],["60000","1.3"]]. Why text pairs and not packed floats: the
-- backtest's one use of a row is `L2Book.replace(bids, asks)`, which takes exactly such
-- string pairs, and msgspec decodes a side straight into them (a few µs for 20 levels);
-- packed floats would have to be formatted back into strings for every level, and the
-- venue's strings are what its checksums are computed over. Two columns, so a side can
-- be read alone. One index, by receive time, as the quotes table (step 6 says why).
CREATE TABLE book_snapshots (
    id             INTEGER PRIMARY KEY,
    ts_recv_ns     INTEGER NOT NULL,
    ts_exchange_ms INTEGER,              -- NULL when the venue sends no timestamp
    venue          TEXT    NOT NULL,
    symbol         TEXT    NOT NULL,     -- canonical BASE-QUOTE
    bids           TEXT    NOT NULL,     -- JSON [[price, size], ...] best first
    asks           TEXT    NOT NULL
);
CREATE INDEX book_snapshots_ts ON book_snapshots (ts_recv_ns);
-- The import ledger counts the snapshots a file gave beside its quotes.
ALTER TABLE imports ADD COLUMN books_stored INTEGER NOT NULL DEFAULT 0;
