"""Catalog type models (one module per domain)."""
