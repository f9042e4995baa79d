-- Step 9: transfer costs (docs/inventory.md, "Transfer costs"). The last coin and network
-- information each venue gave: one row per (venue, coin, network), replaced whole each
-- time the venue answers, so a restart (or a venue that is down) starts from the last
-- known costs instead of none. `chain` is the name shared across venues, `contract` the
-- token's contract address in lower case ("" for a chain's native coin); fees and
-- minimums are in the coin.
CREATE TABLE transfer_costs (
    venue          TEXT    NOT NULL,
    coin           TEXT    NOT NULL,
    network        TEXT    NOT NULL,     -- the venue's own name
    chain          TEXT    NOT NULL,
    contract       TEXT    NOT NULL,
    withdraw_fee   REAL    NOT NULL,
    withdraw_min   REAL    NOT NULL,
    deposit_open   INTEGER NOT NULL,
    withdraw_open  INTEGER NOT NULL,
    confirmations  INTEGER NOT NULL,
    minutes        REAL    NOT NULL,
    read_ns        INTEGER NOT NULL,     -- when the venue gave this row
    PRIMARY KEY (venue, coin, network)
);
