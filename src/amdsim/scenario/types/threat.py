"""Catalog model of a threat type (rocket, mortar, ballistic missile, cruise missile, drone). Placeholder: the owning stage fills in the fields."""

from __future__ import annotations

from amdsim.scenario.types._base import CatalogEntry

__all__ = ["ThreatType"]


class ThreatType(CatalogEntry):
    """A threat type (rocket, mortar, ballistic missile, cruise missile, drone)."""
