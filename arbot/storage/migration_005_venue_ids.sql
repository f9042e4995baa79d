-- Step 5: each order's id for the symbol on its own venue (OKX's BTC-USDT, Binance's
-- BTCUSDT), journaled with the order, so a restart looks the order up under the venue's
-- own symbol without loading instruments first and never under a guessed one.
ALTER TABLE orders ADD COLUMN venue_symbol TEXT;
