"""The assessment of many areas at one date, kept area by area: when some areas' data change,
only those are read and assessed again, and the whole is put back together from the parts.

A national view assesses 150 areas in one pass (about a second); a national deployment is
written in somewhere all day. Assessing every area again after each write would spend that
second on every visit after any write; here it is spent on the areas that changed.

What is kept are batches: each one pass over some areas, with the data version of each. An
area is taken from the newest batch that holds it at its current version; a batch is used as
it is when all its areas are wanted, else narrowed to those that are (splitting 150 areas
into parts of one would cost a third of assessing them).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from dashboard import store
from dashboard.analysis import Assessment

# Frames without an area code, tied to their area through their target.
_BY_TARGET = ("target_id", "period")
# More batches than this are put together into one (a batch per write otherwise piles up).
MAX_BATCHES = 8


def narrowed(result: Assessment, codes: Sequence[str]) -> Assessment:
    """`result` with only the areas `codes` (each frame filtered once)."""
    mine = pl.col("area_code").is_in(pl.Series(list(codes), dtype=pl.Utf8).implode())
    targets = result.targets.filter(mine)
    ids = targets["target_id"].implode()
    scope = result.scope
    return Assessment(
        as_at=result.as_at,
        scope=store.Scope(
            scope.targets.filter(mine),
            scope.milestones.filter(pl.col("target_id").is_in(ids)),
            scope.actuals.filter(mine),
            scope.agreements.filter(mine),
            scope.commentary.filter(mine),
        ),
        targets=targets,
        areas=result.areas.filter(mine),
        blocks=result.blocks.filter(mine),
        missing=result.missing.filter(pl.col("target_id").is_in(ids)),
        known_at=result.known_at,
    )


def combine(parts: Sequence[Assessment], as_at: date) -> Assessment:
    """The assessment of all `parts`' areas (no area in two), as one pass over them gives it:
    areas in code order; milestones and missing periods by target and period; commentary
    newest first."""
    if len(parts) == 1:
        return parts[0]

    def cat(get: Callable[[Assessment], pl.DataFrame], *by: str) -> pl.DataFrame:
        frame = pl.concat([get(p) for p in parts], how="vertical_relaxed", rechunk=True)
        return frame.sort(by or "area_code", maintain_order=True)

    return Assessment(
        as_at=as_at,
        scope=store.Scope(
            cat(lambda p: p.scope.targets),
            cat(lambda p: p.scope.milestones, *_BY_TARGET),
            cat(lambda p: p.scope.actuals),
            cat(lambda p: p.scope.agreements),
            pl.concat([p.scope.commentary for p in parts], how="vertical_relaxed").sort(
                "recorded_at", descending=True, maintain_order=True
            ),
        ),
        targets=cat(lambda p: p.targets),
        areas=cat(lambda p: p.areas),
        blocks=cat(lambda p: p.blocks),
        missing=cat(lambda p: p.missing, *_BY_TARGET),
    )


@dataclass
class _Batch:
    versions: dict[str, int]  # the areas assessed in this pass, each at its data version
    result: Assessment


@dataclass
class AssessmentsByArea:
    """One reader's assessments of areas at one date, kept with the data version each area
    was assessed at (`store.area_data_versions`). Shared by every session: one at a time
    brings it up to date, so two never assess the same areas at once."""

    batches: list[_Batch] = field(default_factory=list)
    whole: tuple[tuple[tuple[str, int], ...], Assessment] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def assessment(
        self,
        codes: Sequence[str],
        versions: Mapping[str, int],
        as_at: date,
        assess: Callable[[list[str]], Assessment],
    ) -> Assessment:
        """The assessment of `codes` at their `versions` (of every area: those of areas not
        asked for tell which kept batches are out of date); `assess(codes)` assesses those of
        them that changed or were never assessed, all in one pass."""
        if not codes:  # no area (a region without any yet): nothing to keep
            return assess([])
        key = tuple((code, versions[code]) for code in codes)
        with self.lock:
            if self.whole is not None and self.whole[0] == key:
                return self.whole[1]
            found = self._current(versions)
            stale = [c for c in codes if c not in found]
            if stale:
                self.batches.append(_Batch({c: versions[c] for c in stale}, assess(stale)))
                found = self._current(versions)
            whole = self._put_together(found, list(codes), as_at)
            if len(self.batches) > MAX_BATCHES:  # all that is still current, as one batch
                everything = sorted(found)
                self.batches = [
                    _Batch(
                        {c: versions[c] for c in everything},
                        self._put_together(found, everything, as_at),
                    )
                ]
            self.whole = (key, whole)
            return whole

    def _current(self, versions: Mapping[str, int]) -> dict[str, int]:
        """Each area's newest batch holding it at its current version (by index), dropping
        the batches that hold none."""
        found: dict[str, int] = {}
        for i in range(len(self.batches) - 1, -1, -1):
            for code, version in self.batches[i].versions.items():
                if code not in found and versions.get(code) == version:
                    found[code] = i
        used = sorted(set(found.values()))
        if len(used) < len(self.batches):
            renumber = {old: new for new, old in enumerate(used)}
            self.batches = [self.batches[i] for i in used]
            found = {code: renumber[i] for code, i in found.items()}
        return found

    def _put_together(self, found: Mapping[str, int], codes: list[str], as_at: date) -> Assessment:
        wanted: dict[int, list[str]] = {}
        for code in codes:
            wanted.setdefault(found[code], []).append(code)
        parts = []
        for i, mine in sorted(wanted.items()):
            batch = self.batches[i]
            whole_batch = set(mine) == batch.versions.keys()
            parts.append(batch.result if whole_batch else narrowed(batch.result, mine))
        return combine(parts, as_at)
