"""Inventory and transfers: where each asset sits against its target, how fast trading
uses it up, what moving it back costs, and which same-named coins are really the same
(docs/inventory.md)."""
