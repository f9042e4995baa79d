-- Step 10: the amortized transfer cost of an episode's pair ([strategy] rebalance_cost,
-- docs/inventory.md, "Transfer-aware economics"), in bps of the buy price: at open, then
-- at the peak. Net after fees and transfers is net_bps_* - transfer_bps. NULL in rows
-- recorded before this step (and 0 where the cost was off or unknown).
ALTER TABLE opportunities ADD COLUMN transfer_bps REAL;
