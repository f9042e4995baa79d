-- Step 6: the quotes table keeps one index, quotes_ts (receive time).
-- quotes_symbol_ts (symbol, receive time) was the writer's largest cost: every quote
-- landed in one of hundreds of places in it, so each committed batch dirtied a leaf page
-- per symbol, and the WAL and checkpoints carried all of them (measured with 400 venue
-- and symbol pairs: 8.5 us per recorded quote with both indexes, 1.9 us with quotes_ts
-- alone). Reads by symbol now walk quotes_ts in time order and skip other symbols: the
-- backtest already did, `arbot export --symbol` is slower by what bench/storage.py
-- reports, and the import duplicate check looks its rows up by receive time instead.
DROP INDEX IF EXISTS quotes_symbol_ts;
