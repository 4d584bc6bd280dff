"""The flow network behind `judging.assignment`, on indices only: no ids, no words.

Source → entry (capacity: the judges it still needs), entry → judge (capacity 1 where
eligible), judge → sink (a load between `low` and `high`). Kept pairs are fixed before the
flow starts: they are not edges, they lower the entry's need and raise the judge's load.

A seeded greedy pass gives each entry its least-loaded eligible judges, which is nearly
always close to the answer; augmenting paths in the residual graph then finish the maximum
flow, so a corner the greedy pass painted itself into is undone rather than reported. Loads
only grow along an augmenting path (a path meets the sink once, at its end), so the upper
bound is a plain capacity. The lower bound needs no transformation either: a path that moves
one judging from a judge above `low` to one below it, along alternating add/remove edges,
changes no entry's count and no other judge's load; when no such path exists, the judges it
could reach form a cut that proves the bound infeasible (the symmetric difference with any
feasible assignment would contain such a path).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_START = -1


@dataclass(frozen=True)
class CrowdedEntries:
    """Entries that cannot all be served with no load above the cap: a minimum cut.

    Between them they need `needed` more judgings; every judge allowed to judge them can
    give them only `available` at that cap.
    """

    entries: list[int]
    allowed_judges: list[int]
    needed: int
    available: int


@dataclass(frozen=True)
class IdleJudges:
    """Judges who cannot all reach the floor: `available` judgings at most, `needed` short."""

    judges: list[int]
    available: int
    needed: int


@dataclass
class _Reach:
    """What a breadth-first search reached: the end of an alternating path, if any, and
    the parents to walk it back (or, without an end, the source side of a minimum cut)."""

    end: int | None
    entry_parent: dict[int, int]
    judge_parent: dict[int, int]


class AssignmentNetwork:
    """The residual graph of one assignment problem.

    `eligible[e]` are the judges entry e may still get (its kept judges excluded);
    `assigned[e]` the judges it got beyond its kept ones; `judged[j]` the same pairs seen
    from judge j; `load[j]` counts j's kept pairs too.
    """

    def __init__(
        self,
        *,
        eligible: Sequence[Sequence[int]],
        kept: Sequence[Sequence[int]],
        judge_count: int,
        k: int,
        seed: int,
    ) -> None:
        self.eligible = eligible
        self.kept = kept
        self.need = [k - len(entry_kept) for entry_kept in kept]
        self.load = [0] * judge_count
        for entry_kept in kept:
            for j in entry_kept:
                self.load[j] += 1
        self.assigned: list[set[int]] = [set() for _ in eligible]
        self.judged: list[set[int]] = [set() for _ in range(judge_count)]
        self.rng = random.Random(seed)
        self._eligible_entries: list[list[int]] | None = None

    def pairs(self) -> list[list[int]]:
        """Each entry's judges, kept ones included."""
        return [
            [*entry_kept, *assigned]
            for entry_kept, assigned in zip(self.kept, self.assigned, strict=True)
        ]

    # Solving ----------------------------------------------------------------------------

    def solve_balanced(self, low: int, high: int) -> bool:
        """Whether every entry is served with every load in [low, high]."""
        if max(self.load) > high:
            return False
        self._greedy(high)
        return all(self._augment(e, high) for e in self._short_entries()) and all(
            self._lift(j, low) for j in self._light_judges(low)
        )

    def solve_most_balanced(self, at_least_high: int, at_most_low: int) -> None:
        """The smallest largest load, then the largest smallest load, that serve every entry.

        Every entry must be servable with no cap (each has enough eligible judges). Raising
        the cap and going on augmenting is the maximum flow under the new cap, so the first
        cap that serves everyone is the smallest. Lifting to a floor never lowers a load
        below the floor just reached, so a failed lift leaves a valid assignment at the floor
        before it.
        """
        high = max(at_least_high, *self.load)
        self._greedy(high)
        for e in self._short_entries():
            while not self._augment(e, high):
                high += 1
        low = min(self.load)
        while low < at_most_low and all(
            self._lift(j, low + 1) for j in self._light_judges(low + 1)
        ):
            low += 1

    def explain_imbalance(self, low: int, high: int) -> CrowdedEntries | IdleJudges:
        """Why no assignment keeps every load within [low, high]: the minimum cut.

        Called after `solve_balanced` failed. Either some entries cannot all be served with
        no judge above `high` (the entries reachable from the short ones in the residual
        graph, and their judges, form the cut), or some judges cannot reach `low`.
        """
        while short := self._short_entries():
            reach = self._reach_from_entries(short, high)
            if reach.end is None:
                crowded = sorted(reach.entry_parent)
                return CrowdedEntries(
                    entries=crowded,
                    allowed_judges=sorted({j for e in crowded for j in self.eligible[e]}),
                    needed=sum(self.need[e] for e in crowded),
                    available=sum(len(self.assigned[e]) for e in crowded),
                )
            self._apply_entry_path(reach)
        while light := self._light_judges(low):
            reach = self._reach_from_judges(light, low)
            if reach.end is None:
                idle = sorted(reach.judge_parent)
                return IdleJudges(
                    judges=idle,
                    available=sum(self.load[j] for j in idle),
                    needed=low * len(idle),
                )
            self._apply_judge_path(reach)
        raise AssertionError("explain_imbalance called on a solvable network")

    def _short_entries(self) -> list[int]:
        return [e for e, judges in enumerate(self.assigned) if len(judges) < self.need[e]]

    def _light_judges(self, low: int) -> list[int]:
        return [j for j, load in enumerate(self.load) if load < low]

    def _greedy(self, high: int) -> None:
        """Each entry, in seeded order, takes its least-loaded eligible judges (seeded ties)."""
        order = list(range(len(self.eligible)))
        self.rng.shuffle(order)
        tiebreak = self.rng.random
        load = self.load
        for e in order:
            need = self.need[e] - len(self.assigned[e])
            if need <= 0:
                continue
            open_judges = [j for j in self.eligible[e] if load[j] < high]
            # A load plus a number in [0, 1) sorts by load first and at random among equals.
            open_judges.sort(key=lambda j: load[j] + tiebreak())
            for j in open_judges[:need]:
                self._add(e, j)

    def _add(self, e: int, j: int) -> None:
        self.assigned[e].add(j)
        self.judged[j].add(e)
        self.load[j] += 1

    def _remove(self, e: int, j: int) -> None:
        self.assigned[e].discard(j)
        self.judged[j].discard(e)
        self.load[j] -= 1

    # Alternating paths ------------------------------------------------------------------

    def _augment(self, start: int, high: int) -> bool:
        """Serve entry `start` fully, moving other pairs along alternating paths if need be."""
        while len(self.assigned[start]) < self.need[start]:
            reach = self._reach_from_entries([start], high)
            if reach.end is None:
                return False
            self._apply_entry_path(reach)
        return True

    def _reach_from_entries(self, starts: Iterable[int], high: int) -> _Reach:
        """Breadth-first from short entries: entry → an eligible judge it does not have yet;
        a judge below `high` ends the path, a full one leads on to the entries it judges,
        each of which could give it up for another judge."""
        entry_parent = dict.fromkeys(starts, _START)
        judge_parent: dict[int, int] = {}
        queue = deque(entry_parent)
        while queue:
            e = queue.popleft()
            has = self.assigned[e]
            for j in self.eligible[e]:
                if j in has or j in judge_parent:
                    continue
                judge_parent[j] = e
                if self.load[j] < high:
                    return _Reach(j, entry_parent, judge_parent)
                for other in self.judged[j]:
                    if other not in entry_parent:
                        entry_parent[other] = j
                        queue.append(other)
        return _Reach(None, entry_parent, judge_parent)

    def _apply_entry_path(self, reach: _Reach) -> None:
        # The path's end judge takes one more entry; each judge before it swaps one entry for
        # another; the entry at the start gains a judge. No other count changes.
        assert reach.end is not None
        j = reach.end
        e = reach.judge_parent[j]
        self._add(e, j)
        while (previous := reach.entry_parent[e]) != _START:
            self._remove(e, previous)
            e = reach.judge_parent[previous]
            self._add(e, previous)

    def _lift(self, start: int, low: int) -> bool:
        """Raise judge `start` to `low`, taking entries from judges above it along paths."""
        while self.load[start] < low:
            reach = self._reach_from_judges([start], low)
            if reach.end is None:
                return False
            self._apply_judge_path(reach)
        return True

    def _reach_from_judges(self, starts: Iterable[int], low: int) -> _Reach:
        """Breadth-first from light judges: judge → an eligible entry it does not judge yet →
        a judge of that entry; one above `low` ends the path, another one leads on."""
        eligible_entries = self._entries_by_judge()
        judge_parent = dict.fromkeys(starts, _START)
        entry_parent: dict[int, int] = {}
        queue = deque(judge_parent)
        while queue:
            j = queue.popleft()
            has = self.judged[j]
            for e in eligible_entries[j]:
                if e in has or e in entry_parent:
                    continue
                entry_parent[e] = j
                for other in self.assigned[e]:
                    if other in judge_parent:
                        continue
                    judge_parent[other] = e
                    if self.load[other] > low:
                        return _Reach(other, entry_parent, judge_parent)
                    queue.append(other)
        return _Reach(None, entry_parent, judge_parent)

    def _apply_judge_path(self, reach: _Reach) -> None:
        # The end judge gives one entry away; each judge before it takes one and gives one;
        # the light judge at the start takes one. No entry's count changes.
        assert reach.end is not None
        j = reach.end
        while (e := reach.judge_parent[j]) != _START:
            self._remove(e, j)
            j = reach.entry_parent[e]
            self._add(e, j)

    def _entries_by_judge(self) -> list[list[int]]:
        if self._eligible_entries is None:
            self._eligible_entries = [[] for _ in self.load]
            for e, judges in enumerate(self.eligible):
                for j in judges:
                    self._eligible_entries[j].append(e)
        return self._eligible_entries
