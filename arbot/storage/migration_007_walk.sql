-- Step 7: the walked figures of each episode (docs/depth.md, "The walk"): what both
-- books could fill at the threshold, beside the top-of-book size_peak and profit_peak.
-- Written at open from the first sighting and, at close, from the peak (the sighting
-- with the largest walked profit). NULL in rows recorded before this step. close_reason
-- gains book_resync: a depth book of either venue began resyncing (docs/depth.md).
ALTER TABLE opportunities ADD COLUMN walk_size_peak REAL;     -- base quantity walked
ALTER TABLE opportunities ADD COLUMN walk_profit_peak REAL;   -- quote currency, net of fees
ALTER TABLE opportunities ADD COLUMN walk_net_bps_peak REAL;  -- walked profit over its cost at buy_vwap
ALTER TABLE opportunities ADD COLUMN buy_vwap_peak REAL;      -- mean ask paid over the walk
ALTER TABLE opportunities ADD COLUMN sell_vwap_peak REAL;     -- mean bid got over the walk
ALTER TABLE opportunities ADD COLUMN buy_worst_peak REAL;     -- last ask walked (the buy IOC limit)
ALTER TABLE opportunities ADD COLUMN sell_worst_peak REAL;    -- last bid walked (the sell IOC limit)
ALTER TABLE opportunities ADD COLUMN buy_levels_peak INTEGER; -- ask levels walked
ALTER TABLE opportunities ADD COLUMN sell_levels_peak INTEGER;
