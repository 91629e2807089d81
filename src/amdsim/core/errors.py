"""Error types a person can act on."""

from __future__ import annotations


class AmdsimError(Exception):
    """Base class of every error amdsim raises on purpose."""


class ScenarioError(AmdsimError):
    """A scenario, catalog or input file is invalid.

    The message reads ``file:line: field.path: message`` for every problem found;
    ``problems`` keeps them as ``(file, line, path, message)`` tuples.
    """

    def __init__(self, problems: list[tuple[str, int | None, str, str]]):
        self.problems = problems
        super().__init__("\n".join(format_problem(*p) for p in problems))


def format_problem(file: str, line: int | None, path: str, message: str) -> str:
    """``file:line: path: message`` (line omitted when unknown, path when empty)."""
    where = f"{file}:{line}" if line is not None else file
    return f"{where}: {path}: {message}" if path else f"{where}: {message}"


class InputError(AmdsimError):
    """An input data file (e.g. detections CSV) is malformed; message names file and row."""


class NumericalFault(AmdsimError):
    """A numerical invariant broke (NaN/inf, a state leaving the Earth, a non-PD covariance).

    Raised with the object, the stage and the simulation time so the run can be reproduced.
    """

    def __init__(self, stage: str, t_s: float, object_ids: object, message: str):
        self.stage = stage
        self.t_s = t_s
        self.object_ids = object_ids
        super().__init__(f"{stage} at t={t_s:.3f} s, object(s) {object_ids}: {message}")
