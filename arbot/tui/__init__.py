"""The terminal UI: the only package that imports textual and rich (import contract in
pyproject.toml).

`arbot.tui.app.run_tui` is the entry point; `cli.py` imports it lazily so the headless
front end, the backtester and the tests never load Textual.
"""
