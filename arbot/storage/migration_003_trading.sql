-- Step 3: what the trader records with each trade, so every reported PnL can be
-- recomputed from the trade's own orders and fills.
ALTER TABLE trades ADD COLUMN run_id INTEGER;
ALTER TABLE trades ADD COLUMN buy_qty REAL;        -- base filled by all buys of the trade
ALTER TABLE trades ADD COLUMN sell_qty REAL;       -- base filled by all sells
ALTER TABLE trades ADD COLUMN buy_avg REAL;        -- average fill prices
ALTER TABLE trades ADD COLUMN sell_avg REAL;
ALTER TABLE trades ADD COLUMN fees REAL;           -- quote currency, every fill's fee
ALTER TABLE trades ADD COLUMN leg_outcome TEXT;    -- balanced, unwound, chased, held, ...
ALTER TABLE orders ADD COLUMN purpose TEXT;        -- buy, sell, unwind, chase
