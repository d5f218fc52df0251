"""The assessment of many areas at one date, kept area by area: when some areas' data change,
only those are read and assessed again, and the whole is put back together from the parts.

A national view assesses 150 areas in one pass (about a second); a national deployment is
written in somewhere all day. Assessing every area again after each write would spend that
second on every visit after any write; here it is spent on the areas that changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import polars as pl

from dashboard import store
from dashboard.analysis import Assessment

# Frames without an area code, tied to their area through their target.
_BY_TARGET = ("target_id", "period")


def split_by_area(result: Assessment, codes: Sequence[str]) -> dict[str, Assessment]:
    """`result` (an assessment of `codes`, and only those) as one assessment per area: each
    frame partitioned once, not filtered once per area."""
    areas_of = result.targets.select("target_id", "area_code")
    missing = result.missing.join(areas_of, on="target_id", how="left")
    milestones = result.scope.milestones.join(areas_of, on="target_id", how="left")

    def parts(frame: pl.DataFrame, drop: bool = False) -> dict[str, pl.DataFrame]:
        split = {k[0]: v for k, v in frame.partition_by("area_code", as_dict=True).items()}
        empty = frame.clear()
        found = {code: split.get(code, empty) for code in codes}
        return {c: f.drop("area_code") for c, f in found.items()} if drop else found

    targets, areas, blocks = parts(result.targets), parts(result.areas), parts(result.blocks)
    scope_targets, actuals = parts(result.scope.targets), parts(result.scope.actuals)
    agreements, commentary = parts(result.scope.agreements), parts(result.scope.commentary)
    missing_of, milestones_of = parts(missing, drop=True), parts(milestones, drop=True)

    def part(code: str) -> Assessment:
        scope = store.Scope(
            scope_targets[code], milestones_of[code], actuals[code], agreements[code],
            commentary[code],
        )  # fmt: skip
        return replace(
            result, scope=scope, targets=targets[code], areas=areas[code], blocks=blocks[code],
            missing=missing_of[code],
        )  # fmt: skip

    return {code: part(code) for code in codes}


def combine(parts: Mapping[str, Assessment], as_at: date) -> Assessment:
    """The assessment of all `parts`' areas (by code), as one pass over them gives it: areas
    in code order; milestones and missing periods by target and period; commentary newest
    first."""
    ordered = [parts[code] for code in sorted(parts)]

    def cat(get: Callable[[Assessment], pl.DataFrame]) -> pl.DataFrame:
        return pl.concat([get(p) for p in ordered], how="vertical_relaxed", rechunk=True)

    return Assessment(
        as_at=as_at,
        scope=store.Scope(
            cat(lambda p: p.scope.targets),
            cat(lambda p: p.scope.milestones).sort(_BY_TARGET, maintain_order=True),
            cat(lambda p: p.scope.actuals),
            cat(lambda p: p.scope.agreements),
            cat(lambda p: p.scope.commentary).sort(
                "recorded_at", descending=True, maintain_order=True
            ),
        ),
        targets=cat(lambda p: p.targets),
        areas=cat(lambda p: p.areas),
        blocks=cat(lambda p: p.blocks),
        missing=cat(lambda p: p.missing).sort(_BY_TARGET, maintain_order=True),
    )


@dataclass
class AssessmentsByArea:
    """One reader's assessments of areas at one date, each kept with the data version it was
    made at (`store.area_data_versions`). Shared by every session: one at a time brings it up
    to date, so two never assess the same areas at once."""

    parts: dict[str, tuple[int, Assessment]] = field(default_factory=dict)
    whole: tuple[tuple[tuple[str, int], ...], Assessment] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def assessment(
        self,
        codes: Sequence[str],
        versions: Mapping[str, int],
        as_at: date,
        assess: Callable[[list[str]], Assessment],
    ) -> Assessment:
        """The assessment of `codes` at their `versions`; `assess(codes)` assesses those of
        them that changed (or were never assessed), all in one pass."""
        key = tuple((code, versions[code]) for code in codes)
        with self.lock:
            if self.whole is not None and self.whole[0] == key:
                return self.whole[1]
            stale = [c for c in codes if c not in self.parts or self.parts[c][0] != versions[c]]
            if stale:
                for code, part in split_by_area(assess(stale), stale).items():
                    self.parts[code] = (versions[code], part)
            whole = combine({c: self.parts[c][1] for c in codes}, as_at)
            self.whole = (key, whole)
            return whole
