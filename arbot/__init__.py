"""ArBot: cross-exchange spot arbitrage. This module holds the version only, so importing it is cheap."""

__version__ = "0.1.0"
