"""From score sheets to a ranking: weighted totals, judge-normalised scores, rank intervals and
the judges' agreement. Pure functions, no ORM and no request.

- A sheet's total is the weighted mean of its levels, on the criteria's own scale.
- A harsh or lenient judge is evened out by z-scores: each total minus that judge's mean,
  over that judge's standard deviation. The deviation is the population one (divided by n,
  not n − 1): a judge's sheets in a contest are all of that judge's scoring there, not a
  sample of it, and it makes each judge's z-scores average 0 with spread 1 exactly. A judge
  with one sheet, or who gave every entry the same total, tells us nothing about their scale
  and contributes 0.
- Entries rank by their mean z-score, the raw mean breaking ties; values that agree to nine
  decimal places (`TIE_DECIMALS`) are equal, so equal scores share a rank ("1, 2, 2, 4") and
  are reported as tied rather than ordered by floating-point noise.
- The rank interval is a bootstrap: each round resamples every entry's own sheets with
  replacement and ranks again. A sheet keeps the z-score it has on the full data (re-fitting
  each judge's scale on a resample would mix the judge's uncertainty into the entry's), and
  the interval runs from the 5th to the 95th percentile of the ranks, widened to include the
  rank itself so that an entry is never shown outside its own interval.
- Agreement is Krippendorff's alpha with the interval metric (`judging.agreement`) over the
  sheet totals, and over each criterion's levels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from judging.agreement import alpha_reading, interval_alpha, krippendorff_alpha

__all__ = [
    "DISAGREEMENT_THRESHOLD",
    "Agreement",
    "CriterionSpec",
    "EntryResult",
    "JudgeSummary",
    "Ranking",
    "SheetScores",
    "alpha_reading",
    "krippendorff_alpha",
    "rank",
    "sheet_total",
    "z_scores",
]

# Two totals of an entry's sheets further apart than this (in scale points: 1.5 on 1–5)
# mean its judges read it very differently; the results page flags it for a second look.
DISAGREEMENT_THRESHOLD = 1.5
# Scores that agree to this many decimal places are equal (ties are reported, not hidden).
TIE_DECIMALS = 9
# Bootstrap rounds are drawn in blocks of about this many resampled sheets, to bound memory.
_BLOCK_VALUES = 2_000_000
# Levels per criterion scale at most (+1); keeps the packed sort keys of the ranking exact.
_WIDEST_SCALE = 1000

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    weight: float
    scale_min: int = 1
    scale_max: int = 5


@dataclass(frozen=True)
class SheetScores:
    """One submitted score sheet: criterion id → level."""

    entry_id: int
    judge_id: int
    scores: Mapping[int, int]


@dataclass(frozen=True)
class EntryResult:
    entry_id: int
    raw: float | None
    normalised: float | None
    rank: int | None
    tied: bool
    rank_low: int | None
    rank_high: int | None
    criterion_means: dict[int, float]
    sheet_count: int
    spread: float | None
    incomplete: bool
    high_disagreement: bool


@dataclass(frozen=True)
class JudgeSummary:
    """One judge's totals; `stdev` is the population deviation, None below two sheets."""

    judge_id: int
    totals: list[float]
    mean: float | None
    stdev: float | None


@dataclass(frozen=True)
class Agreement:
    alpha: float | None
    per_criterion: dict[int, float | None]
    reading: str


@dataclass(frozen=True)
class Ranking:
    results: list[EntryResult]
    judges: list[JudgeSummary]
    agreement: Agreement


def sheet_total(scores: Mapping[int, int], criteria: Sequence[CriterionSpec]) -> float:
    """Σ(weight × level) / Σ(weight): a weighted mean, on the criteria's scale."""
    _check_criteria(criteria)
    return float(_weighted_totals(_level_matrix([scores], criteria), criteria)[0])


def z_scores(
    sheets: Sequence[SheetScores], criteria: Sequence[CriterionSpec]
) -> dict[tuple[int, int], float]:
    """(entry id, judge id) → (total − judge's mean) / judge's population deviation.

    A judge with one sheet or no deviation contributes 0.
    """
    _check_criteria(criteria)
    _check_sheets(sheets)
    totals = _weighted_totals(_level_matrix([sheet.scores for sheet in sheets], criteria), criteria)
    zs = _z_values(_judge_indices(sheets), totals)
    return {(sheet.entry_id, sheet.judge_id): float(z) for sheet, z in zip(sheets, zs, strict=True)}


def rank(
    sheets: Sequence[SheetScores],
    criteria: Sequence[CriterionSpec],
    *,
    entry_ids: Sequence[int],
    k: int,
    seed: int = 0,
    bootstrap_rounds: int = 1000,
    disagreement_threshold: float = DISAGREEMENT_THRESHOLD,
    judge_ids: Sequence[int] = (),
) -> Ranking:
    """Rank `entry_ids` from their submitted sheets; see the module docstring for how.

    `judge_ids` lists judges to summarise even if they have no sheet yet (mean None).
    Entries without a sheet come last, in the order given, with rank None. With
    `bootstrap_rounds` 0 the intervals are None.
    """
    _check_criteria(criteria)
    _check_sheets(sheets)
    if len(set(entry_ids)) != len(entry_ids):
        raise ValueError("entry_ids repeat an id")
    if bootstrap_rounds < 0:
        raise ValueError("bootstrap_rounds cannot be negative")
    position = {entry_id: index for index, entry_id in enumerate(entry_ids)}
    unknown = sorted({sheet.entry_id for sheet in sheets} - position.keys())
    if unknown:
        raise ValueError(f"sheets for entries {unknown}, which are not in entry_ids")

    levels = _level_matrix([sheet.scores for sheet in sheets], criteria)
    totals = _weighted_totals(levels, criteria)
    judges = _judge_indices(sheets)
    zs = _z_values(judges, totals)

    # The sheets laid out entry after entry, in the order of `entry_ids`.
    entry_of_sheet = np.array([position[sheet.entry_id] for sheet in sheets], dtype=np.int64)
    layout = np.argsort(entry_of_sheet, kind="stable")
    per_entry = np.bincount(entry_of_sheet, minlength=len(entry_ids))
    scored = [entry_id for entry_id, count in zip(entry_ids, per_entry, strict=True) if count]
    counts = per_entry[per_entry > 0]
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    z_flat, total_flat, level_flat = zs[layout], totals[layout], levels[layout]
    if scored:
        normalised = np.add.reduceat(z_flat, starts) / counts
        raw = np.add.reduceat(total_flat, starts) / counts
        criterion_means = np.add.reduceat(level_flat, starts, axis=0) / counts[:, np.newaxis]
        spreads = np.maximum.reduceat(total_flat, starts) - np.minimum.reduceat(total_flat, starts)
    else:
        normalised = raw = spreads = np.zeros(0)
        criterion_means = np.zeros((0, len(criteria)))
    ranks = _competition_ranks(normalised[np.newaxis, :], raw[np.newaxis, :])[0]
    intervals = _bootstrap_intervals(
        z_flat, total_flat, counts, starts, ranks, rounds=bootstrap_rounds, seed=seed
    )
    rank_sizes = np.bincount(ranks)

    results = []
    for index, entry_id in enumerate(scored):
        count = int(counts[index])
        spread = float(spreads[index]) if count > 1 else None
        rank_low, rank_high = intervals[index] if intervals is not None else (None, None)
        results.append(
            EntryResult(
                entry_id=entry_id,
                raw=float(raw[index]),
                normalised=float(normalised[index]),
                rank=int(ranks[index]),
                tied=bool(rank_sizes[ranks[index]] > 1),
                rank_low=rank_low,
                rank_high=rank_high,
                criterion_means={
                    criterion.id: float(criterion_means[index, column])
                    for column, criterion in enumerate(criteria)
                },
                sheet_count=count,
                spread=spread,
                incomplete=count < k,
                high_disagreement=spread is not None and spread > disagreement_threshold,
            )
        )
    results.sort(key=lambda result: (result.rank, position[result.entry_id]))
    results.extend(
        _unscored_result(entry_id, k)
        for entry_id, count in zip(entry_ids, per_entry, strict=True)
        if not count
    )
    return Ranking(
        results=results,
        judges=_judge_summaries(sheets, judges, totals, judge_ids),
        agreement=_agreement(entry_of_sheet, totals, levels, criteria),
    )


# --- Agreement ------------------------------------------------------------------------------


def _agreement(
    entry_of_sheet: IntArray,
    totals: FloatArray,
    levels: FloatArray,
    criteria: Sequence[CriterionSpec],
) -> Agreement:
    # One sheet per judge and entry, so a sheet is one coder's value in its entry's unit.
    alpha = interval_alpha(totals, entry_of_sheet)
    return Agreement(
        alpha=alpha,
        per_criterion={
            criterion.id: interval_alpha(levels[:, column], entry_of_sheet)
            for column, criterion in enumerate(criteria)
        },
        reading=alpha_reading(alpha),
    )


# --- Ranking and the bootstrap --------------------------------------------------------------


def _competition_ranks(normalised: FloatArray, raw: FloatArray) -> IntArray:
    """Row by row: 1 + the number of entries strictly ahead ("1, 2, 2, 4").

    Ahead means a higher normalised score, or an equal one and a higher raw score, equal
    meaning equal to `TIE_DECIMALS` places. Two plain sorts rather than one `np.lexsort`
    (ten times slower): the first gives each normalised score its dense rank, and the
    second sorts on one integer that packs that rank above the raw score.
    """
    rows, width = normalised.shape
    scale = 10.0**TIE_DECIMALS
    primary = -np.rint(normalised * scale).astype(np.int64)
    secondary = -np.rint(raw * scale).astype(np.int64)
    order = np.argsort(primary, axis=-1)
    primary_sorted = np.take_along_axis(primary, order, axis=-1)
    new_value = np.ones((rows, width), dtype=bool)
    new_value[:, 1:] = primary_sorted[:, 1:] != primary_sorted[:, :-1]
    if new_value.all():
        ranks = np.empty((rows, width), dtype=np.int64)
        np.put_along_axis(
            ranks, order, np.arange(1, width + 1, dtype=np.int64)[np.newaxis, :], axis=-1
        )
        return ranks
    dense = np.empty((rows, width), dtype=np.int64)
    np.put_along_axis(dense, order, np.cumsum(new_value, axis=-1), axis=-1)
    offset = secondary - secondary.min()
    span = int(offset.max()) + 1
    if (width + 1) * span >= 2**62:
        raise ValueError("scores too far apart to rank exactly")  # unreachable on a checked scale
    packed = dense * span + offset
    order = np.argsort(packed, axis=-1)
    packed_sorted = np.take_along_axis(packed, order, axis=-1)
    starts_group = np.ones((rows, width), dtype=bool)
    starts_group[:, 1:] = packed_sorted[:, 1:] != packed_sorted[:, :-1]
    positions = np.arange(1, width + 1, dtype=np.int64)
    sorted_ranks = np.maximum.accumulate(np.where(starts_group, positions, 0), axis=-1)
    ranks = np.empty((rows, width), dtype=np.int64)
    np.put_along_axis(ranks, order, sorted_ranks, axis=-1)
    return ranks


def _bootstrap_intervals(
    z_flat: FloatArray,
    total_flat: FloatArray,
    counts: IntArray,
    starts: IntArray,
    ranks: IntArray,
    *,
    rounds: int,
    seed: int,
) -> list[tuple[int, int]] | None:
    """Each scored entry's (5th, 95th) percentile rank over `rounds` resamples.

    The sheets are laid out entry after entry; each slot of an entry draws one of that
    entry's sheets, so a round is one uniform draw per slot and a sum per entry. The
    percentiles are the observed ranks at or just outside them (numpy's "lower" and
    "higher"), so the interval holds whole ranks and errs on the wide side.
    """
    if rounds == 0:
        return None
    if len(counts) == 0:
        return []
    slot_start = np.repeat(starts, counts)
    # Single precision draws are twice as fast and exact enough to pick one of a few sheets.
    slot_count = np.repeat(counts, counts).astype(np.float32)
    generator = np.random.default_rng(seed)
    block = max(1, _BLOCK_VALUES // len(z_flat))
    sampled = np.empty((rounds, len(counts)), dtype=np.int32)
    for done in range(0, rounds, block):
        size = min(block, rounds - done)
        uniform = generator.random((size, len(z_flat)), dtype=np.float32)
        draws = slot_start + (uniform * slot_count).astype(np.int64)
        normalised = np.add.reduceat(z_flat[draws], starts, axis=1) / counts
        raw = np.add.reduceat(total_flat[draws], starts, axis=1) / counts
        sampled[done : done + size] = _competition_ranks(normalised, raw)
    low = np.minimum(np.percentile(sampled, 5, axis=0, method="lower"), ranks)
    high = np.maximum(np.percentile(sampled, 95, axis=0, method="higher"), ranks)
    return [(int(a), int(b)) for a, b in zip(low, high, strict=True)]


# --- Pieces ---------------------------------------------------------------------------------


def _check_criteria(criteria: Sequence[CriterionSpec]) -> None:
    if not criteria:
        raise ValueError("no criteria")
    for criterion in criteria:
        if criterion.weight <= 0:
            raise ValueError(f"criterion {criterion.id}: the weight must be above 0")
        if not 0 < criterion.scale_max - criterion.scale_min <= _WIDEST_SCALE:
            raise ValueError(
                f"criterion {criterion.id}: the scale must have 2 to {_WIDEST_SCALE + 1} levels"
            )


def _check_sheets(sheets: Sequence[SheetScores]) -> None:
    pairs = {(sheet.entry_id, sheet.judge_id) for sheet in sheets}
    if len(pairs) != len(sheets):
        raise ValueError("two sheets from the same judge for the same entry")


def _level_matrix(
    sheets: Sequence[Mapping[int, int]], criteria: Sequence[CriterionSpec]
) -> FloatArray:
    """Sheets × criteria levels; a missing or out-of-scale level is an error."""
    levels = np.empty((len(sheets), len(criteria)), dtype=np.float64)
    for column, criterion in enumerate(criteria):
        try:
            levels[:, column] = [scores[criterion.id] for scores in sheets]
        except KeyError:
            raise ValueError(f"a sheet has no level for criterion {criterion.id}") from None
        column_levels = levels[:, column]
        if len(sheets) and not (
            criterion.scale_min <= column_levels.min()
            and column_levels.max() <= criterion.scale_max
        ):
            raise ValueError(f"a level for criterion {criterion.id} is outside its scale")
    return levels


def _weighted_totals(levels: FloatArray, criteria: Sequence[CriterionSpec]) -> FloatArray:
    weights = np.array([criterion.weight for criterion in criteria], dtype=np.float64)
    totals: FloatArray = levels @ weights / weights.sum()
    return totals


def _judge_indices(sheets: Sequence[SheetScores]) -> IntArray:
    index: dict[int, int] = {}
    return np.array(
        [index.setdefault(sheet.judge_id, len(index)) for sheet in sheets], dtype=np.int64
    )


def _judge_moments(judges: IntArray, totals: FloatArray) -> tuple[IntArray, FloatArray, FloatArray]:
    """Per judge index: the number of sheets, the mean total and the population deviation."""
    counts = np.bincount(judges)
    safe_counts = np.maximum(counts, 1)
    means = np.bincount(judges, weights=totals) / safe_counts
    variances = np.bincount(judges, weights=(totals - means[judges]) ** 2) / safe_counts
    return counts, means, np.sqrt(variances)


def _z_values(judges: IntArray, totals: FloatArray) -> FloatArray:
    if totals.size == 0:
        return totals
    counts, means, stdevs = _judge_moments(judges, totals)
    # A deviation this small is rounding in identical totals, not a scale to divide by.
    measurable = (counts[judges] >= 2) & (stdevs[judges] > 1e-12)
    zs: FloatArray = np.where(
        measurable, (totals - means[judges]) / np.where(measurable, stdevs[judges], 1.0), 0.0
    )
    return zs


def _judge_summaries(
    sheets: Sequence[SheetScores],
    judges: IntArray,
    totals: FloatArray,
    judge_ids: Sequence[int],
) -> list[JudgeSummary]:
    summaries = {judge_id: JudgeSummary(judge_id, [], None, None) for judge_id in judge_ids}
    if sheets:
        counts, means, stdevs = _judge_moments(judges, totals)
        judge_totals: dict[int, list[float]] = defaultdict(list)
        for sheet, total in zip(sheets, totals.tolist(), strict=True):
            judge_totals[sheet.judge_id].append(total)
        for sheet, judge in zip(sheets, judges.tolist(), strict=True):
            if sheet.judge_id in summaries and summaries[sheet.judge_id].mean is not None:
                continue
            summaries[sheet.judge_id] = JudgeSummary(
                judge_id=sheet.judge_id,
                totals=judge_totals[sheet.judge_id],
                mean=float(means[judge]),
                stdev=float(stdevs[judge]) if counts[judge] >= 2 else None,
            )
    return [summaries[judge_id] for judge_id in sorted(summaries)]


def _unscored_result(entry_id: int, k: int) -> EntryResult:
    return EntryResult(
        entry_id=entry_id,
        raw=None,
        normalised=None,
        rank=None,
        tied=False,
        rank_low=None,
        rank_high=None,
        criterion_means={},
        sheet_count=0,
        spread=None,
        incomplete=k > 0,
        high_disagreement=False,
    )
