"""Base models shared by every scenario and catalog model."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["CatalogEntry", "Confidence", "Model", "Provenance"]

Confidence = Literal["H", "M", "L", "D", "CLAIM", "CALC", "ASSUMPTION", "USER"]
"""Confidence tags of ``shared/reference/public-figures.md`` plus ASSUMPTION (our labelled
assumption, never a published figure) and USER (a value a scenario file supplied)."""


class Model(BaseModel):
    """Strict base: unknown fields are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Provenance(Model):
    """Where one catalog value comes from."""

    conf: Confidence
    source: str


class CatalogEntry(Model):
    """A catalog type. In the catalog YAML every physical value is written
    ``{value: X, conf: TAG, source: "..."}``; the loader unwraps it into the plain field and
    records ``provenance[field] = Provenance(conf, source)``."""

    label: str
    provenance: dict[str, Provenance] = {}
