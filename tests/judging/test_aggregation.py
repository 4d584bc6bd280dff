"""Aggregation: weighted totals, z-scores, ranks with ties, bootstrap intervals and
Krippendorff's alpha, on examples worked out by hand."""

import math

import krippendorff
import numpy as np
import pytest
from django.utils import translation

from judging.aggregation import (
    DISAGREEMENT_THRESHOLD,
    CriterionSpec,
    EntryResult,
    SheetScores,
    alpha_reading,
    krippendorff_alpha,
    rank,
    sheet_total,
    z_scores,
)

# The contest's default criteria: 実用性・効果 30, 汎用性・横展開性 25, 再現性 15, 独創性 15,
# 安全性・適切さ 15.
DEFAULT_CRITERIA = [
    CriterionSpec(id=1, weight=30),
    CriterionSpec(id=2, weight=25),
    CriterionSpec(id=3, weight=15),
    CriterionSpec(id=4, weight=15),
    CriterionSpec(id=5, weight=15),
]
ONE_CRITERION = [CriterionSpec(id=1, weight=1)]


def sheet(entry_id: int, judge_id: int, *levels: int) -> SheetScores:
    return SheetScores(entry_id, judge_id, {n: level for n, level in enumerate(levels, start=1)})


def by_entry(results: list[EntryResult]) -> dict[int, EntryResult]:
    return {result.entry_id: result for result in results}


# --- Totals and z-scores --------------------------------------------------------------------


def test_sheet_total_is_the_weighted_mean_on_the_criteria_scale() -> None:
    # (30×5 + 25×4 + 15×3 + 15×4 + 15×2) / (30+25+15+15+15)
    # = (150 + 100 + 45 + 60 + 30) / 100 = 385 / 100 = 3.85
    assert sheet_total({1: 5, 2: 4, 3: 3, 4: 4, 5: 2}, DEFAULT_CRITERIA) == pytest.approx(3.85)
    # (30×2 + 25×5 + 15×1 + 15×1 + 15×1) / 100 = (60 + 125 + 45) / 100 = 2.3
    assert sheet_total({1: 2, 2: 5, 3: 1, 4: 1, 5: 1}, DEFAULT_CRITERIA) == pytest.approx(2.3)
    # Every level the same: the total is that level, whatever the weights.
    assert sheet_total(dict.fromkeys(range(1, 6), 4), DEFAULT_CRITERIA) == pytest.approx(4.0)


HARSH, LENIENT = 1, 2
A, B, C, D, E, F = 11, 12, 13, 14, 15, 16


def test_a_harsh_and_a_lenient_judge_are_evened_out() -> None:
    # The harsh judge scores A 3, B 1, E 2: mean 2, population variance (1 + 1 + 0) / 3 = 2/3,
    # deviation √(2/3) ≈ 0.8165, so z(A) = 1/0.8165 ≈ +1.2247, z(B) ≈ −1.2247, z(E) = 0.
    # The lenient judge scores C 5, D 3, F 4: mean 4, the same deviation, so z(C) ≈ +1.2247,
    # z(D) ≈ −1.2247, z(F) = 0.
    sheets = [
        sheet(A, HARSH, 3),
        sheet(B, HARSH, 1),
        sheet(E, HARSH, 2),
        sheet(C, LENIENT, 5),
        sheet(D, LENIENT, 3),
        sheet(F, LENIENT, 4),
    ]
    z = z_scores(sheets, ONE_CRITERION)
    assert z[(A, HARSH)] == pytest.approx(math.sqrt(1.5))
    assert z[(B, HARSH)] == pytest.approx(-math.sqrt(1.5))
    assert z[(E, HARSH)] == pytest.approx(0.0)
    assert z[(C, LENIENT)] == pytest.approx(math.sqrt(1.5))

    ranking = rank(sheets, ONE_CRITERION, entry_ids=[A, B, C, D, E, F], k=1)
    order = [result.entry_id for result in ranking.results]
    # By raw score alone: C 5, F 4, A 3 = D 3, E 2, B 1. Normalised, the harsh judge's best
    # (A) comes level with the lenient judge's best (C) and ahead of the lenient judge's
    # middle entry (F); the raw score breaks each level pair.
    raw = {result.entry_id: result.raw or 0.0 for result in ranking.results}
    assert sorted(order, key=lambda entry_id: -raw[entry_id]) == [C, F, A, D, E, B]
    assert order == [C, A, F, E, D, B]
    assert [result.rank for result in ranking.results] == [1, 2, 3, 4, 5, 6]
    assert not any(result.tied for result in ranking.results)
    results = by_entry(ranking.results)
    assert results[A].normalised == pytest.approx(math.sqrt(1.5))
    assert results[A].raw == pytest.approx(3.0)

    harsh = next(judge for judge in ranking.judges if judge.judge_id == HARSH)
    assert harsh.totals == [3.0, 1.0, 2.0]
    assert harsh.mean == pytest.approx(2.0)
    assert harsh.stdev == pytest.approx(math.sqrt(2 / 3))


def test_equal_scores_share_a_rank_and_the_next_rank_is_skipped() -> None:
    # One judge: W 5, X 4, Y 4, Z 2. Mean 15/4 = 3.75; deviations 1.25, 0.25, 0.25, −1.75;
    # variance (1.5625 + 0.0625 + 0.0625 + 3.0625) / 4 = 1.1875. X and Y have the same z
    # (0.25 / √1.1875 ≈ 0.2294) and the same raw score: ranks 1, 2, 2, 4.
    w, x, y, z = 21, 22, 23, 24
    sheets = [sheet(w, 1, 5), sheet(x, 1, 4), sheet(y, 1, 4), sheet(z, 1, 2)]
    ranking = rank(sheets, ONE_CRITERION, entry_ids=[w, x, y, z], k=1)
    assert [(r.entry_id, r.rank, r.tied) for r in ranking.results] == [
        (w, 1, False),
        (x, 2, True),
        (y, 2, True),
        (z, 4, False),
    ]
    assert by_entry(ranking.results)[x].normalised == pytest.approx(0.25 / math.sqrt(1.1875))


def test_a_judge_with_one_sheet_or_no_spread_contributes_zero() -> None:
    # Judge 1 scores V 4 and U 2: mean 3, deviation 1, z = +1 and −1.
    # Judge 2 scored only V (5): no scale to measure, z = 0.
    # Judge 3 gave U and T the same 3: no deviation, z = 0 for both.
    v, u, t = 31, 32, 33
    sheets = [sheet(v, 1, 4), sheet(u, 1, 2), sheet(v, 2, 5), sheet(u, 3, 3), sheet(t, 3, 3)]
    z = z_scores(sheets, ONE_CRITERION)
    assert z == {
        (v, 1): pytest.approx(1.0),
        (u, 1): pytest.approx(-1.0),
        (v, 2): 0.0,
        (u, 3): 0.0,
        (t, 3): 0.0,
    }
    results = by_entry(rank(sheets, ONE_CRITERION, entry_ids=[v, u, t], k=2).results)
    # V: (z +1 from judge 1, 0 from judge 2) / 2 = 0.5; raw (4 + 5) / 2 = 4.5.
    assert results[v].normalised == pytest.approx(0.5)
    assert results[v].raw == pytest.approx(4.5)
    # U: (−1 + 0) / 2 = −0.5.   T: 0 alone.
    assert results[u].normalised == pytest.approx(-0.5)
    assert results[t].normalised == 0.0
    assert [results[e].rank for e in (v, t, u)] == [1, 2, 3]


def test_incomplete_and_high_disagreement_flags() -> None:
    # Two criteria of equal weight. M has two sheets (k = 3, so incomplete): (5, 4) → 4.5 and
    # (2, 2) → 2.0, a spread of 2.5 > 1.5. N has three sheets: 3, 4, 4 → spread 1.0.
    criteria = [CriterionSpec(id=1, weight=1), CriterionSpec(id=2, weight=1)]
    m, n = 41, 42
    sheets = [
        sheet(m, 1, 5, 4),
        sheet(m, 2, 2, 2),
        sheet(n, 1, 3, 3),
        sheet(n, 2, 4, 4),
        sheet(n, 3, 4, 4),
    ]
    results = by_entry(rank(sheets, criteria, entry_ids=[m, n], k=3).results)
    assert DISAGREEMENT_THRESHOLD == 1.5
    assert (results[m].sheet_count, results[m].incomplete) == (2, True)
    assert results[m].spread == pytest.approx(2.5)
    assert results[m].high_disagreement
    assert results[m].raw == pytest.approx((4.5 + 2.0) / 2)
    # Criterion means over M's sheets: (5 + 2) / 2 = 3.5 and (4 + 2) / 2 = 3.0.
    assert results[m].criterion_means == {1: pytest.approx(3.5), 2: pytest.approx(3.0)}
    assert (results[n].sheet_count, results[n].incomplete) == (3, False)
    assert results[n].spread == pytest.approx(1.0)
    assert not results[n].high_disagreement

    stricter = by_entry(
        rank(sheets, criteria, entry_ids=[m, n], k=3, disagreement_threshold=0.9).results
    )
    assert stricter[n].high_disagreement


def test_entries_without_a_sheet_come_last_in_the_order_given() -> None:
    scored_low, empty_one, scored_high, empty_two = 51, 52, 53, 54
    sheets = [sheet(scored_low, 1, 2), sheet(scored_high, 1, 4)]
    ranking = rank(
        sheets, ONE_CRITERION, entry_ids=[scored_low, empty_one, scored_high, empty_two], k=2
    )
    assert [result.entry_id for result in ranking.results] == [
        scored_high,
        scored_low,
        empty_one,
        empty_two,
    ]
    empty = by_entry(ranking.results)[empty_two]
    assert empty == EntryResult(
        entry_id=empty_two,
        raw=None,
        normalised=None,
        rank=None,
        tied=False,
        rank_low=None,
        rank_high=None,
        criterion_means={},
        sheet_count=0,
        spread=None,
        incomplete=True,
        high_disagreement=False,
    )
    # A single sheet has no spread, and nobody to disagree with.
    assert by_entry(ranking.results)[scored_high].spread is None


def test_judges_without_sheets_are_listed_when_asked_for() -> None:
    ranking = rank([sheet(61, 1, 3)], ONE_CRITERION, entry_ids=[61], k=1, judge_ids=[2, 1])
    assert [(j.judge_id, j.totals, j.mean, j.stdev) for j in ranking.judges] == [
        (1, [3.0], 3.0, None),
        (2, [], None, None),
    ]


# --- The bootstrap --------------------------------------------------------------------------

# Judges P and Q both give ALPHA 4 and XRAY 2 (z +1 and −1 each), so ALPHA is always (+1, 4)
# and XRAY always (−1, 2). R gives BRAVO 5 and YANKEE 1, S the reverse: BRAVO's two sheets
# are (+1, raw 5) and (−1, raw 1), and so are YANKEE's. T and U give CHARLIE and ZULU 3
# each: no deviation, so both are always (0, 3).
ALPHA, BRAVO, CHARLIE, XRAY, YANKEE, ZULU = 71, 72, 73, 74, 75, 76
BOOTSTRAP_SHEETS = [
    sheet(ALPHA, 1, 4),
    sheet(XRAY, 1, 2),
    sheet(ALPHA, 2, 4),
    sheet(XRAY, 2, 2),
    sheet(BRAVO, 3, 5),
    sheet(YANKEE, 3, 1),
    sheet(BRAVO, 4, 1),
    sheet(YANKEE, 4, 5),
    sheet(CHARLIE, 5, 3),
    sheet(ZULU, 5, 3),
    sheet(CHARLIE, 6, 3),
    sheet(ZULU, 6, 3),
]
BOOTSTRAP_ENTRIES = [ALPHA, BRAVO, CHARLIE, XRAY, YANKEE, ZULU]


def test_bootstrap_interval_spans_the_ranks_a_resample_can_give() -> None:
    ranking = rank(BOOTSTRAP_SHEETS, ONE_CRITERION, entry_ids=BOOTSTRAP_ENTRIES, k=2, seed=7)
    results = by_entry(ranking.results)
    # On the full data BRAVO, YANKEE, CHARLIE and ZULU are all (0, 3): ranks 1, 2, 2, 2, 2, 6.
    assert [(r.entry_id, r.rank) for r in ranking.results] == [
        (ALPHA, 1),
        (BRAVO, 2),
        (CHARLIE, 2),
        (YANKEE, 2),
        (ZULU, 2),
        (XRAY, 6),
    ]
    # A resample of BRAVO draws its high sheet twice a quarter of the time, (+1, 5), ahead
    # of ALPHA: rank 1; and its low sheet twice a quarter of the time, (−1, 1), behind
    # XRAY: rank 6. Both ends are far beyond the 5th and 95th percentiles.
    assert (results[BRAVO].rank_low, results[BRAVO].rank_high) == (1, 6)
    assert (results[YANKEE].rank_low, results[YANKEE].rank_high) == (1, 6)
    for result in ranking.results:
        assert result.rank is not None
        assert result.rank_low is not None and result.rank_high is not None
        assert 1 <= result.rank_low <= result.rank <= result.rank_high <= 6


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    def intervals(seed: int) -> list[tuple[int | None, int | None]]:
        ranking = rank(BOOTSTRAP_SHEETS, ONE_CRITERION, entry_ids=BOOTSTRAP_ENTRIES, k=2, seed=seed)
        return [(r.rank_low, r.rank_high) for r in ranking.results]

    assert intervals(3) == intervals(3)
    rng = np.random.default_rng(1)
    many = [
        sheet(100 + n, judge, int(rng.integers(1, 6)))
        for n in range(60)
        for judge in rng.choice(8, size=3, replace=False).tolist()
    ]
    first = rank(many, ONE_CRITERION, entry_ids=list(range(100, 160)), k=3, seed=11)
    again = rank(many, ONE_CRITERION, entry_ids=list(range(100, 160)), k=3, seed=11)
    other = rank(many, ONE_CRITERION, entry_ids=list(range(100, 160)), k=3, seed=12)
    assert first == again
    assert [(r.rank_low, r.rank_high) for r in first.results] != [
        (r.rank_low, r.rank_high) for r in other.results
    ]
    assert [r.rank for r in first.results] == [r.rank for r in other.results]


def test_entries_whose_resamples_never_change_have_a_single_rank_interval() -> None:
    # Without BRAVO and YANKEE every entry's sheets are alike, so every resample ranks the
    # entries as the full data does: ALPHA 1, CHARLIE and ZULU 2, XRAY 4. Drawing a sheet
    # of another entry would widen these.
    sheets = [s for s in BOOTSTRAP_SHEETS if s.entry_id not in (BRAVO, YANKEE)]
    ranking = rank(sheets, ONE_CRITERION, entry_ids=[ALPHA, CHARLIE, XRAY, ZULU], k=2, seed=5)
    assert [(r.entry_id, r.rank, r.rank_low, r.rank_high) for r in ranking.results] == [
        (ALPHA, 1, 1, 1),
        (CHARLIE, 2, 2, 2),
        (ZULU, 2, 2, 2),
        (XRAY, 4, 4, 4),
    ]


def test_no_bootstrap_rounds_means_no_interval() -> None:
    ranking = rank(
        BOOTSTRAP_SHEETS, ONE_CRITERION, entry_ids=BOOTSTRAP_ENTRIES, k=2, bootstrap_rounds=0
    )
    assert all(r.rank_low is None and r.rank_high is None for r in ranking.results)


# --- Krippendorff's alpha -------------------------------------------------------------------

# Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability". Annenberg School
# for Communication, University of Pennsylvania, section C: 4 observers × 12 units, values
# 1–5, "." missing. Published: nominal α = 0.743, interval α = 0.849.
NAN = float("nan")
KRIPPENDORFF_2011 = [
    # units:   1    2    3    4    5    6    7    8    9   10   11   12
    [1.0, 2.0, 3.0, 3.0, 2.0, 1.0, 4.0, 1.0, 2.0, NAN, NAN, NAN],  # observer A
    [1.0, 2.0, 3.0, 3.0, 2.0, 2.0, 4.0, 1.0, 2.0, 5.0, NAN, 3.0],  # observer B
    [NAN, 3.0, 3.0, 3.0, 2.0, 3.0, 4.0, 2.0, 2.0, 5.0, 1.0, NAN],  # observer C
    [1.0, 2.0, 3.0, 3.0, 2.0, 4.0, 4.0, 1.0, 2.0, 5.0, 1.0, NAN],  # observer D
]


def as_units(matrix: list[list[float]]) -> dict[int, dict[int, float]]:
    """Observer × unit matrix → unit → {observer → value}, leaving out the missing ones."""
    return {
        unit: {
            observer: row[unit] for observer, row in enumerate(matrix) if not math.isnan(row[unit])
        }
        for unit in range(len(matrix[0]))
    }


def test_alpha_matches_krippendorffs_worked_example() -> None:
    alpha = krippendorff_alpha(as_units(KRIPPENDORFF_2011))
    assert alpha is not None
    assert round(alpha, 3) == 0.849
    # The matrix is the published one: the package gives both published values from it.
    assert krippendorff.alpha(KRIPPENDORFF_2011, level_of_measurement="interval") == (
        pytest.approx(alpha, abs=1e-12)
    )
    assert round(krippendorff.alpha(KRIPPENDORFF_2011, level_of_measurement="nominal"), 3) == 0.743


@pytest.mark.parametrize("seed", range(20))
def test_alpha_matches_the_krippendorff_package_on_incomplete_designs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    coders, units = int(rng.integers(2, 7)), int(rng.integers(2, 40))
    truth = rng.uniform(1, 5, size=units)
    matrix = np.round(truth + rng.normal(0, rng.uniform(0.2, 2), size=(coders, units)), 1)
    matrix[rng.random((coders, units)) < 0.4] = np.nan
    ours = krippendorff_alpha(as_units(matrix.tolist()))
    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    if ours is None:
        paired = matrix[:, pairable]
        assert not pairable.any() or np.ptp(paired[~np.isnan(paired)]) == 0
        return
    assert krippendorff.alpha(matrix, level_of_measurement="interval") == pytest.approx(
        ours, abs=1e-9
    )


def test_alpha_is_none_when_nothing_can_be_paired_or_nothing_varies() -> None:
    assert krippendorff_alpha({}) is None
    assert krippendorff_alpha({1: {1: 3.0}, 2: {2: 4.0}}) is None  # one value per unit
    assert krippendorff_alpha({1: {1: 3.0, 2: 3.0}, 2: {1: 3.0, 3: 3.0}}) is None
    # Perfect agreement with variation between units: 1; systematic disagreement: below 0.
    assert krippendorff_alpha({1: {1: 2.0, 2: 2.0}, 2: {1: 4.0, 2: 4.0}}) == pytest.approx(1.0)
    disagreement = krippendorff_alpha({1: {1: 2.0, 2: 4.0}, 2: {1: 4.0, 2: 2.0}})
    assert disagreement is not None and disagreement < 0


def test_ranking_reports_agreement_over_totals_and_each_criterion() -> None:
    criteria = [CriterionSpec(id=1, weight=3), CriterionSpec(id=2, weight=1)]
    sheets = [
        sheet(81, 1, 5, 1),
        sheet(81, 2, 5, 5),
        sheet(82, 1, 2, 3),
        sheet(82, 2, 1, 3),
        sheet(83, 1, 3, 4),
    ]
    agreement = rank(sheets, criteria, entry_ids=[81, 82, 83], k=2).agreement
    # Totals (3×a + b) / 4: entry 81 → 4.0 and 5.0, entry 82 → 2.25 and 1.5; entry 83 has
    # a single sheet and drops out.
    assert agreement.alpha == pytest.approx(
        krippendorff_alpha({81: {1: 4.0, 2: 5.0}, 82: {1: 2.25, 2: 1.5}})
    )
    assert agreement.per_criterion == {
        1: pytest.approx(krippendorff_alpha({81: {1: 5, 2: 5}, 82: {1: 2, 2: 1}})),
        2: krippendorff_alpha({81: {1: 1, 2: 5}, 82: {1: 3, 2: 3}}),
    }
    assert agreement.reading == alpha_reading(agreement.alpha)


def test_alpha_reading_follows_krippendorffs_thresholds() -> None:
    with translation.override("en"):
        assert alpha_reading(0.9).startswith("Reliable agreement")
        assert alpha_reading(0.8).startswith("Reliable agreement")
        assert alpha_reading(0.7).startswith("Tentative agreement")
        assert alpha_reading(0.667).startswith("Tentative agreement")
        assert alpha_reading(0.5).startswith("Low agreement")
        assert alpha_reading(0.0) == "No agreement beyond chance."
        assert alpha_reading(-0.3) == "No agreement beyond chance."
        assert alpha_reading(None) == "Not enough overlapping scores to measure agreement."
    with translation.override("ja"):
        assert (
            alpha_reading(0.9) == "一致度は十分です。審査員は評価基準を同じように当てはめています。"
        )


# --- Contract -------------------------------------------------------------------------------


def test_inconsistent_sheets_are_refused() -> None:
    with pytest.raises(ValueError, match="same judge for the same entry"):
        rank([sheet(1, 1, 3), sheet(1, 1, 4)], ONE_CRITERION, entry_ids=[1], k=1)
    with pytest.raises(ValueError, match="not in entry_ids"):
        rank([sheet(2, 1, 3)], ONE_CRITERION, entry_ids=[1], k=1)
    with pytest.raises(ValueError, match="no level for criterion 2"):
        sheet_total({1: 3}, [CriterionSpec(1, 1), CriterionSpec(2, 1)])
    with pytest.raises(ValueError, match="outside its scale"):
        sheet_total({1: 6}, ONE_CRITERION)
    with pytest.raises(ValueError, match="weight must be above 0"):
        sheet_total({1: 3}, [CriterionSpec(1, 0)])
