"""Catalog model of a radar type. Placeholder: the owning stage fills in the fields."""

from __future__ import annotations

from amdsim.scenario.types._base import CatalogEntry

__all__ = ["RadarType"]


class RadarType(CatalogEntry):
    """A radar type."""
