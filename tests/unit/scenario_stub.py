"""A stub built-in catalog for scenario tests: names and range fields only, so that the
tests' messages do not change when the real catalog's figures do."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from amdsim.scenario import catalog_loader


def stub_builtin() -> dict[str, dict[str, object]]:
    """Stub built-in catalog: names and the range fields the loader checks."""
    return {
        "threats": {
            "qassam": SimpleNamespace(label="Qassam", min_range_m=2000.0, max_range_m=10000.0),
            "grad": SimpleNamespace(label="Grad", min_range_m=1600.0, max_range_m=20000.0),
        },
        "radars": {"elm2084": SimpleNamespace(label="MMR")},
        "interceptors": {},
        "systems": {
            "iron_dome": SimpleNamespace(label="Iron Dome"),
            "c_ram": SimpleNamespace(label="C-RAM"),
        },
    }


def use_stub_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog_loader, "_builtin", stub_builtin)
