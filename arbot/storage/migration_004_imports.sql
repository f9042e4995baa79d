-- Step 4: the import ledger, so `arbot import` never stores a file twice.
-- One row per (format, scope, content): `scope` is what else decides the quotes a file
-- gives (the venue of a raw capture, the symbol of a Binance bookTicker file, '' for
-- Tardis, whose rows name both). A row whose finished_ns is NULL is an import that was
-- interrupted; the file is read again next time, and the row-level duplicate check in
-- arbot.imports keeps the rows it already stored from being stored twice.
CREATE TABLE imports (
    id            INTEGER PRIMARY KEY,
    format        TEXT    NOT NULL,      -- raw, tardis-quotes, binance-bookticker
    scope         TEXT    NOT NULL,
    sha256        TEXT    NOT NULL,      -- of the file's bytes as stored (compressed if so)
    size_bytes    INTEGER NOT NULL,
    path          TEXT    NOT NULL,      -- as given the last time, for people
    started_ns    INTEGER NOT NULL,
    finished_ns   INTEGER,
    rows_read     INTEGER NOT NULL DEFAULT 0,
    quotes_stored INTEGER NOT NULL DEFAULT 0,
    duplicates    INTEGER NOT NULL DEFAULT 0,
    bad_rows      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (format, scope, sha256)
);
