"""ArBot: cross-exchange spot arbitrage. Holds the version only, so importing it is cheap."""

__version__ = "0.1.0"
