"""Catalog models of interceptor types and weapon systems (battery types). Placeholder."""

from __future__ import annotations

from amdsim.scenario.types._base import CatalogEntry

__all__ = ["InterceptorType", "WeaponSystem"]


class InterceptorType(CatalogEntry):
    """An interceptor round type."""


class WeaponSystem(CatalogEntry):
    """A battery type: launchers, rounds, channels, reaction, the interceptor it fires."""
