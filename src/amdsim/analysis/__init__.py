"""Studies on top of the engine: Monte Carlo with confidence intervals, what-if
comparisons with common random numbers, campaign stockpiles, battery siting and
sensitivity sweeps.

Every study takes the run function as a parameter (default
:func:`amdsim.simulation.run`), so it can be tested with a small known-answer model
(:mod:`amdsim.analysis.synthetic`). Names are imported on first use, so that worker
processes, which only need :mod:`amdsim.analysis._worker`, start quickly.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "CampaignSpec",
    "Comparison",
    "EngagementTable",
    "Parameter",
    "SitingSpec",
    "StudyInputError",
    "StudyResult",
    "campaign",
    "compare",
    "compare_variants",
    "cross_check_scenario",
    "derive_engagement_table",
    "engagement_table_from_scenario",
    "load_campaign_spec",
    "load_siting_spec",
    "load_variants",
    "monte_carlo",
    "replication_seed",
    "run_siting",
    "sensitivity",
]

_WHERE = {
    "monte_carlo": "amdsim.analysis.montecarlo",
    "StudyResult": "amdsim.analysis.montecarlo",
    "StudyInputError": "amdsim.analysis.montecarlo",
    "replication_seed": "amdsim.analysis.montecarlo",
    "load_siting_spec": "amdsim.analysis.siting_study",
    "load_campaign_spec": "amdsim.analysis.campaign",
    "EngagementTable": "amdsim.analysis.campaign_tables",
    "engagement_table_from_scenario": "amdsim.analysis.campaign_tables",
    "compare": "amdsim.analysis.compare",
    "Comparison": "amdsim.analysis.compare",
    "compare_variants": "amdsim.analysis.compare",
    "load_variants": "amdsim.analysis.compare",
    "cross_check_scenario": "amdsim.analysis.campaign_check",
    "sensitivity": "amdsim.analysis.sensitivity",
    "Parameter": "amdsim.analysis.sensitivity",
    "run_siting": "amdsim.analysis.siting_study",
    "SitingSpec": "amdsim.analysis.siting_study",
    "campaign": "amdsim.analysis.campaign",
    "CampaignSpec": "amdsim.analysis.campaign",
    "derive_engagement_table": "amdsim.analysis.campaign_tables",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'amdsim.analysis' has no attribute {name!r}")
