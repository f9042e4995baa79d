"""Recorded history as Parquet (the research extra): `archive` writes it from SQLite,
`history` reads it back for the backtest, locally or from any fsspec URL. `layout` is the
folder tree both agree on."""
