"""amdsim.battle: threat evaluation, engagement feasibility, weapon-target assignment.

Public front: :func:`solve_static_wta` / :func:`solve_static_wta_detailed` /
:func:`wta_objective` (static WTA), :class:`ImpactPredictor` (impact-point prediction),
:class:`BatteryView` + :func:`engagement_feasibility`, and the engine's
:class:`BattleManager` (built from a scenario by :func:`build_battle_manager`).
"""

from amdsim.battle.batches import Assessment, FirePlan
from amdsim.battle.feasibility import BatteryView, Feasibility, engagement_feasibility
from amdsim.battle.impact import ImpactPredictor, Prediction
from amdsim.battle.manager import BattleManager, BattleSettings, BattleState, build_battle_manager
from amdsim.battle.wta import (
    WtaResult,
    solve_static_wta,
    solve_static_wta_detailed,
    wta_kill_value,
    wta_objective,
)

__all__ = [
    "Assessment",
    "BatteryView",
    "BattleManager",
    "BattleSettings",
    "BattleState",
    "Feasibility",
    "FirePlan",
    "ImpactPredictor",
    "Prediction",
    "WtaResult",
    "build_battle_manager",
    "engagement_feasibility",
    "solve_static_wta",
    "solve_static_wta_detailed",
    "wta_kill_value",
    "wta_objective",
]
