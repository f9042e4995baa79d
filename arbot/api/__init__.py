"""The REST API: status, prices, opportunities, trades and control, for dashboards,
scripts and alerting. aiohttp in the same event loop as everything else; JSON through
msgspec; every endpoint but /api/health behind a bearer token."""
