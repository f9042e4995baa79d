"""The arbitrage engine: quote board, detector, filters, episodes and the funnel."""
