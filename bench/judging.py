"""Judging throughput: assignment and aggregation for a large contest, in one process.

    python bench/judging.py [--entries 2000] [--judges 40] [--k 3] [--rounds 1000]

E entries by staff in 8 departments (some of them judges), J judges, k judges per entry
with same-department recusal, then a score sheet for every assigned pair on 5 criteria
(weights 30/25/15/15/15, levels 1–5 from the entry's quality, the judge's harshness and
noise) ranked with the bootstrap. Times are the best of 3 (time.perf_counter); the same is
then measured at 4 × E entries, and the ratio of the two totals is printed against the ideal
of a linear cost, 4. Sheet generation is not timed.
"""

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPARTMENTS = 8
WEIGHTS = (30, 25, 15, 15, 15)
REPEATS = 3


def best_of(repeats: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def measure(entry_count: int, judge_count: int, k: int, rounds: int) -> tuple[float, float]:
    from judging.aggregation import CriterionSpec, SheetScores, rank
    from judging.assignment import EntryRef, JudgeRef, assign

    rng = random.Random(entry_count)
    judges = [
        JudgeRef(id=n, department_id=n % DEPARTMENTS, department_name=f"課{n % DEPARTMENTS}")
        for n in range(1, judge_count + 1)
    ]
    # Authors are staff ids 1..5J: about one entry in five is by a judge.
    entries = [
        EntryRef(
            id=10_000 + n,
            author_id=(author := rng.randint(1, 5 * judge_count)),
            department_id=author % DEPARTMENTS,
            label=f"entry {n}",
        )
        for n in range(entry_count)
    ]

    def run_assignment() -> dict[int, list[int]]:
        return assign(entries, judges, k=k, recuse_same_department=True, seed=1)

    assignment_seconds = best_of(REPEATS, run_assignment)
    assignment = run_assignment()

    criteria = [CriterionSpec(id=n, weight=w) for n, w in enumerate(WEIGHTS, start=1)]
    quality = {entry.id: rng.uniform(1.5, 4.5) for entry in entries}
    harshness = {judge.id: rng.uniform(-0.8, 0.8) for judge in judges}
    sheets = [
        SheetScores(
            entry_id=entry_id,
            judge_id=judge_id,
            scores={
                criterion.id: min(
                    5, max(1, round(quality[entry_id] - harshness[judge_id] + rng.gauss(0, 0.6)))
                )
                for criterion in criteria
            },
        )
        for entry_id, judge_ids in assignment.items()
        for judge_id in judge_ids
    ]
    entry_ids = [entry.id for entry in entries]
    ranking_seconds = best_of(
        REPEATS,
        lambda: rank(sheets, criteria, entry_ids=entry_ids, k=k, seed=1, bootstrap_rounds=rounds),
    )
    return assignment_seconds, ranking_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=int(os.environ.get("BENCH_ENTRIES", 2000)))
    parser.add_argument("--judges", type=int, default=40)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1000)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    print(
        f"judging benchmark: {args.judges} judges, k = {args.k}, {len(WEIGHTS)} criteria, "
        f"{DEPARTMENTS} departments with recusal, {args.rounds} bootstrap rounds "
        f"(best of {REPEATS})"
    )
    print(f"{'entries':>8} {'assign':>9} {'rank':>9} {'total':>9}")
    totals = []
    for entry_count in (args.entries, 4 * args.entries):
        assignment_seconds, ranking_seconds = measure(entry_count, args.judges, args.k, args.rounds)
        total = assignment_seconds + ranking_seconds
        totals.append(total)
        print(
            f"{entry_count:>8,} {assignment_seconds:>7.3f} s {ranking_seconds:>7.3f} s "
            f"{total:>7.3f} s"
        )
    print(
        f"ratio {4 * args.entries:,} / {args.entries:,} entries: {totals[1] / totals[0]:.2f} "
        f"(linear = 4.00); target at {args.entries:,} entries: under 1 s "
        f"({'met' if totals[0] < 1 else 'missed'})"
    )


if __name__ == "__main__":
    main()
