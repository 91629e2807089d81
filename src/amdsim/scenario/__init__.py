"""Scenario files, their schema and loader (``file:line`` errors), and the system catalog.

Public front::

    from amdsim.scenario import load_scenario, load_catalog, build_areas
    sc = load_scenario("raid.yaml")          # or "preset:default"
    frame = sc.frame()                       # LocalFrame at the origin
    areas = build_areas(sc, frame)           # DefendedAreas in ENU
    cat = sc.catalog_resolved                # Catalog with the scenario's overrides
"""

from amdsim.scenario.catalog_loader import Catalog, load_catalog
from amdsim.scenario.checks import check_scenario, ground_distance_m
from amdsim.scenario.frames import build_areas, local_frame
from amdsim.scenario.loader import (
    list_presets,
    load_preset,
    load_scenario,
    load_scenario_text,
    preset_names,
    preset_text,
    validate_file,
)
from amdsim.scenario.schema import (
    Asset,
    Battery,
    CatalogOverrides,
    Circle,
    Defence,
    LaunchArea,
    Origin,
    RadarSite,
    Raid,
    Scenario,
    Schedule,
    Target,
)

__all__ = [
    "Asset",
    "Battery",
    "Catalog",
    "CatalogOverrides",
    "Circle",
    "Defence",
    "LaunchArea",
    "Origin",
    "RadarSite",
    "Raid",
    "Scenario",
    "Schedule",
    "Target",
    "build_areas",
    "check_scenario",
    "ground_distance_m",
    "list_presets",
    "load_catalog",
    "load_preset",
    "load_scenario",
    "load_scenario_text",
    "local_frame",
    "preset_names",
    "preset_text",
    "validate_file",
]
