"""The backtester: recorded quotes replayed in receive-time order through the same engine,
filters and paper trader that run live, on a clock made of the recorded receive times.

`source` streams the database in pages, `replay` drives the engine and the trader,
`report` sums up what happened, `output` writes it (tables, CSV, JSON, charts) and `cli`
is the `arbot backtest` command.
"""
