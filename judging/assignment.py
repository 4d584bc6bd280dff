"""Who judges what: every entry gets exactly k judges, and the judges' loads stay within one.

Pure functions, no ORM and no request. The contract of `assign`:

- every entry gets exactly `k` distinct judges, and never a judge who wrote it; with
  `recuse_same_department`, never a judge from the entry's department (`None` equals
  nothing);
- the judges' loads (pairs in `keep` included) differ by at most one;
- `keep` pairs (submitted sheets, hand-made assignments) are always in the result and count
  toward k and toward the load. When they alone make the ±1 balance impossible, the result is
  the most balanced one that keeps them: the smallest possible largest load, then the largest
  possible smallest load;
- the same inputs and seed give the same result, whatever order the inputs come in; another
  seed spreads the pairs differently;
- whenever a valid assignment exists it is found; otherwise `AssignmentImpossible` names the
  entries (or the judges) an organiser has to act on. Nothing is silently weakened.

It is a flow problem: source → entry (capacity: the judges it still needs), entry → judge
(capacity 1 where eligible), judge → sink (a load between `lo` and `hi`). A seeded greedy
pass gives each entry its least-loaded eligible judges, which is nearly always close to the
answer; augmenting paths in the residual graph then finish the maximum flow, so a corner the
greedy pass painted itself into is undone rather than reported. The lower bound needs no
transformation: a path that moves one judging from a judge above `lo` to one below it, along
alternating add/remove edges, changes no entry's count and no other judge's load, and when no
such path exists the judges it could reach form a cut that proves the bound infeasible (the
symmetric difference with any feasible assignment would contain such a path).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext, ngettext, pgettext

# How many names a message spells out before "and N more".
_NAMES_SHOWN = 5


@dataclass(frozen=True)
class EntryRef:
    """One submitted entry."""

    id: int
    author_id: int
    department_id: int | None
    label: str = ""


@dataclass(frozen=True)
class JudgeRef:
    """One judge. `label` (a display name) is used in messages only."""

    id: int
    department_id: int | None
    department_name: str = ""
    label: str = ""


@dataclass(frozen=True)
class Problem:
    """Why an entry cannot get k judges (`entry_id` 0: a reason that concerns them all)."""

    entry_id: int
    message: str


class AssignmentImpossible(Exception):
    """No assignment meets the rules; `problems` says what an organiser can change."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(" ".join(problem.message for problem in problems))
        self.problems = problems


def eligible(entry: EntryRef, judge: JudgeRef, *, recuse_same_department: bool) -> bool:
    """Whether `judge` may judge `entry`: not its author, and not its department if recused."""
    if judge.id == entry.author_id:
        return False
    return not (
        recuse_same_department
        and entry.department_id is not None
        and judge.department_id == entry.department_id
    )


def assign(
    entries: Sequence[EntryRef],
    judges: Sequence[JudgeRef],
    *,
    k: int,
    recuse_same_department: bool,
    seed: int,
    keep: Mapping[int, Collection[int]] | None = None,
) -> dict[int, list[int]]:
    """Entry id → the sorted ids of its k judges. See the module docstring for the rules.

    Raises `AssignmentImpossible` when the rules cannot be met, and `ValueError` for input
    that breaks the contract (k < 1, repeated ids, `keep` naming an unknown entry or judge).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    entries = sorted(entries, key=lambda entry: entry.id)
    judges = sorted(judges, key=lambda judge: judge.id)
    kept = _validated_keep(entries, judges, keep or {})
    if not entries:
        return {}
    if len(judges) < k:
        raise AssignmentImpossible([Problem(0, _too_few_judges_message(k, len(judges)))])
    problems = _entry_problems(entries, judges, k, kept, recuse_same_department)
    if problems:
        raise AssignmentImpossible(problems)

    total = len(entries) * k
    low, high = total // len(judges), -(-total // len(judges))
    network = _Network(entries, judges, k, kept, recuse_same_department, seed)
    if network.solve_balanced(low, high):
        return network.result()
    if any(kept.values()):
        free = _Network(entries, judges, k, {}, recuse_same_department, seed)
        if free.solve_balanced(low, high):
            # The kept pairs alone break the ±1 balance: keep them, balance the rest as well
            # as they allow.
            network = _Network(entries, judges, k, kept, recuse_same_department, seed)
            network.solve_most_balanced(high, low)
            return network.result()
        network = free
    raise AssignmentImpossible(network.balance_problems(low, high))


# --- Checks before any flow -----------------------------------------------------------------


def _validated_keep(
    entries: Sequence[EntryRef], judges: Sequence[JudgeRef], keep: Mapping[int, Collection[int]]
) -> dict[int, list[int]]:
    entry_ids = [entry.id for entry in entries]
    judge_ids = [judge.id for judge in judges]
    if len(set(entry_ids)) != len(entry_ids):
        raise ValueError("entries repeat an id")
    if len(set(judge_ids)) != len(judge_ids):
        raise ValueError("judges repeat an id")
    known_entries, known_judges = set(entry_ids), set(judge_ids)
    kept: dict[int, list[int]] = {}
    for entry_id, kept_judges in keep.items():
        if entry_id not in known_entries:
            raise ValueError(f"keep names entry {entry_id}, which is not among the entries")
        unknown = set(kept_judges) - known_judges
        if unknown:
            raise ValueError(f"keep names judges {sorted(unknown)}, who are not among the judges")
        kept[entry_id] = sorted(set(kept_judges))
    return kept


def _entry_problems(
    entries: Sequence[EntryRef],
    judges: Sequence[JudgeRef],
    k: int,
    kept: Mapping[int, list[int]],
    recuse: bool,
) -> list[Problem]:
    """Each entry that cannot get k judges whatever the others get (Hall's condition for one)."""
    judge_by_id = {judge.id: judge for judge in judges}
    problems: list[Problem] = []
    for entry in entries:
        entry_kept = kept.get(entry.id, [])
        for judge_id in entry_kept:
            judge = judge_by_id[judge_id]
            if not eligible(entry, judge, recuse_same_department=recuse):
                problems.append(Problem(entry.id, _kept_ineligible_message(entry, judge)))
        if len(entry_kept) > k:
            problems.append(Problem(entry.id, _too_many_kept_message(entry, len(entry_kept), k)))
        allowed = sum(
            1 for judge in judges if eligible(entry, judge, recuse_same_department=recuse)
        )
        if allowed < k:
            problems.append(
                Problem(entry.id, _too_few_eligible_message(entry, judges, allowed, k, recuse))
            )
    return problems


# --- The flow -----------------------------------------------------------------------------


class _Network:
    """The residual graph of one assignment problem, on indices rather than ids.

    `assigned[e]` are the judges given to entry e beyond its kept ones; `judged[j]` the same
    pairs seen from judge j; `load[j]` counts j's kept pairs too.
    """

    def __init__(
        self,
        entries: Sequence[EntryRef],
        judges: Sequence[JudgeRef],
        k: int,
        kept: Mapping[int, list[int]],
        recuse: bool,
        seed: int,
    ) -> None:
        self.entries = entries
        self.judges = judges
        self.rng = random.Random(seed)
        judge_index = {judge.id: index for index, judge in enumerate(judges)}
        self.kept = [[judge_index[j] for j in kept.get(entry.id, [])] for entry in entries]
        self.load = [0] * len(judges)
        for entry_kept in self.kept:
            for j in entry_kept:
                self.load[j] += 1
        self.need = [k - len(entry_kept) for entry_kept in self.kept]
        self.eligible = self._eligible_lists(recuse)
        self.assigned: list[set[int]] = [set() for _ in entries]
        self.judged: list[set[int]] = [set() for _ in judges]
        self._eligible_entries: list[list[int]] | None = None

    def _eligible_lists(self, recuse: bool) -> list[list[int]]:
        # Judges outside each department, computed once per department rather than per entry.
        everyone = list(range(len(self.judges)))
        outside: dict[int | None, list[int]] = {}
        lists = []
        for e, entry in enumerate(self.entries):
            department = entry.department_id if recuse else None
            if department not in outside:
                outside[department] = [
                    j
                    for j in everyone
                    if department is None or self.judges[j].department_id != department
                ]
            excluded = set(self.kept[e])
            lists.append(
                [
                    j
                    for j in outside[department]
                    if j not in excluded and self.judges[j].id != entry.author_id
                ]
            )
        return lists

    def result(self) -> dict[int, list[int]]:
        return {
            entry.id: sorted(self.judges[j].id for j in (*self.kept[e], *self.assigned[e]))
            for e, entry in enumerate(self.entries)
        }

    # Solving ----------------------------------------------------------------------------

    def solve_balanced(self, low: int, high: int) -> bool:
        """Whether every entry is served with every load in [low, high]; leaves the pairs."""
        if max(self.load) > high:
            return False
        self._greedy(high)
        return all(self._augment(e, high) for e in self._short_entries()) and all(
            self._lift(j, low) for j in self._light_judges(low)
        )

    def solve_most_balanced(self, at_least_high: int, at_most_low: int) -> None:
        """The smallest largest load, then the largest smallest load, that serve every entry.

        Raising the cap and going on augmenting is the maximum flow under the new cap (loads
        only grow along an augmenting path), so the first cap that serves everyone is the
        smallest. Lifting to a floor never lowers a load below the floor just reached, so a
        failed lift leaves a valid assignment at the floor before it.
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

    def _short_entries(self) -> list[int]:
        return [e for e in range(len(self.entries)) if len(self.assigned[e]) < self.need[e]]

    def _light_judges(self, low: int) -> list[int]:
        return [j for j in range(len(self.judges)) if self.load[j] < low]

    def _greedy(self, high: int) -> None:
        """Each entry, in seeded order, takes its least-loaded eligible judges (seeded ties)."""
        order = list(range(len(self.entries)))
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
            self._eligible_entries = [[] for _ in self.judges]
            for e, judges in enumerate(self.eligible):
                for j in judges:
                    self._eligible_entries[j].append(e)
        return self._eligible_entries

    # Explaining a failure ----------------------------------------------------------------

    def balance_problems(self, low: int, high: int) -> list[Problem]:
        """Why no assignment keeps every load within [low, high]: the minimum cut, in words.

        Called after `solve_balanced` failed on a network without kept pairs. Either some
        entries cannot all be served with no judge above `high` (the entries reachable from
        the short ones and their judges form the cut), or some judges cannot reach `low`.
        """
        short = self._short_entries()
        while short:
            reach = self._reach_from_entries(short, high)
            if reach.end is None:
                return self._crowded_entries_problems(reach, low, high)
            self._apply_entry_path(reach)
            short = self._short_entries()
        light = self._light_judges(low)
        while light:
            reach = self._reach_from_judges(light, low)
            if reach.end is None:
                return [self._idle_judges_problem(reach, low, high)]
            self._apply_judge_path(reach)
            light = self._light_judges(low)
        raise AssertionError("balance_problems called on a solvable network")

    def _crowded_entries_problems(self, reach: _Reach, low: int, high: int) -> list[Problem]:
        crowded = sorted(reach.entry_parent)
        allowed = sorted({j for e in crowded for j in self.eligible[e]})
        needed = sum(self.need[e] for e in crowded)
        summary = ngettext(
            "Judges' loads cannot be kept within one of each other (%(loads)s): "
            "%(entries)s need %(needed)s judging, but the judges allowed to judge them "
            "(%(judges)s) can take only %(available)s of them at that load. Add judges, allow "
            "judges from the same department or lower the number of judges per entry.",
            "Judges' loads cannot be kept within one of each other (%(loads)s): "
            "%(entries)s need %(needed)s judgings, but the judges allowed to judge them "
            "(%(judges)s) can take only %(available)s of them at that load. Add judges, allow "
            "judges from the same department or lower the number of judges per entry.",
            needed,
        ) % {
            "loads": _loads_phrase(low, high),
            "entries": _entry_list([_entry_name(self.entries[e]) for e in crowded]),
            "needed": needed,
            "judges": _judge_list([_judge_name(self.judges[j]) for j in allowed]),
            "available": sum(len(self.assigned[e]) for e in crowded),
        }
        problems = [Problem(0, summary)]
        for e in crowded:
            message = gettext(
                "%(entry)s: the judges allowed to judge it are shared by too many entries to "
                "give each of them %(k)s judges with balanced loads."
            ) % {"entry": _entry_name(self.entries[e]), "k": self.need[e]}
            problems.append(Problem(self.entries[e].id, message))
        return problems

    def _idle_judges_problem(self, reach: _Reach, low: int, high: int) -> Problem:
        idle = sorted(reach.judge_parent)
        message = gettext(
            "Judges' loads cannot be kept within one of each other (%(loads)s): %(judges)s can "
            "be given at most %(available)s of the entries (the others are their own, their "
            "department's, or needed by other judges), but balanced loads need %(needed)s. "
            "Remove them from the judges, allow judges from the same department or lower the "
            "number of judges per entry."
        ) % {
            "loads": _loads_phrase(low, high),
            "judges": _judge_list([_judge_name(self.judges[j]) for j in idle]),
            "available": sum(self.load[j] for j in idle),
            "needed": low * len(idle),
        }
        return Problem(0, message)


_START = -1


@dataclass
class _Reach:
    """What a breadth-first search reached: the end of an alternating path, if any, and
    the parents to walk it back (or, without an end, the source side of a minimum cut)."""

    end: int | None
    entry_parent: dict[int, int]
    judge_parent: dict[int, int]


# --- Messages -------------------------------------------------------------------------------


def _entry_name(entry: EntryRef) -> str:
    if entry.label:
        return gettext("“%(title)s”") % {"title": entry.label}
    return gettext("entry #%(id)s") % {"id": entry.id}


def _judge_name(judge: JudgeRef) -> str:
    name = judge.label or gettext("judge #%(id)s") % {"id": judge.id}
    if not judge.department_name:
        return name
    return gettext("%(judge)s (%(department)s)") % {
        "judge": name,
        "department": judge.department_name,
    }


def _joined(names: list[str]) -> str:
    return pgettext("list separator", ", ").join(names[:_NAMES_SHOWN])


def _entry_list(names: list[str]) -> str:
    hidden = len(names) - _NAMES_SHOWN
    if hidden <= 0:
        return _joined(names)
    return ngettext(
        "%(names)s and %(count)s more entry", "%(names)s and %(count)s more entries", hidden
    ) % {"names": _joined(names), "count": hidden}


def _judge_list(names: list[str]) -> str:
    hidden = len(names) - _NAMES_SHOWN
    if hidden <= 0:
        return _joined(names)
    return ngettext(
        "%(names)s and %(count)s more judge", "%(names)s and %(count)s more judges", hidden
    ) % {"names": _joined(names), "count": hidden}


def _loads_phrase(low: int, high: int) -> str:
    if low == high:
        return ngettext("%(count)s entry each", "%(count)s entries each", low) % {"count": low}
    return gettext("%(low)s to %(high)s entries each") % {"low": low, "high": high}


def _too_few_judges_message(k: int, count: int) -> str:
    if count == 0:
        return gettext("No judges are chosen yet; each entry needs %(k)s.") % {"k": k}
    return ngettext(
        "%(k)s judges per entry, but only %(count)s judge is chosen.",
        "%(k)s judges per entry, but only %(count)s judges are chosen.",
        count,
    ) % {"k": k, "count": count}


def _too_few_eligible_message(
    entry: EntryRef, judges: Sequence[JudgeRef], allowed: int, k: int, recuse: bool
) -> str:
    values: dict[str, object] = {"entry": _entry_name(entry), "count": allowed, "k": k}
    colleagues = [
        judge
        for judge in judges
        if recuse and entry.department_id is not None and judge.department_id == entry.department_id
    ]
    if not colleagues:
        return (
            ngettext(
                "%(entry)s: only %(count)s judge is not its author; it needs %(k)s.",
                "%(entry)s: only %(count)s judges are not its author; it needs %(k)s.",
                allowed,
            )
            % values
        )
    values["department"] = next(
        (judge.department_name for judge in colleagues if judge.department_name),
        gettext("the entry's department"),
    )
    author_elsewhere = any(judge.id == entry.author_id for judge in judges) and all(
        judge.id != entry.author_id for judge in colleagues
    )
    if author_elsewhere:
        return (
            ngettext(
                "%(entry)s: only %(count)s judge is outside %(department)s and not its author; "
                "it needs %(k)s.",
                "%(entry)s: only %(count)s judges are outside %(department)s and not its author; "
                "it needs %(k)s.",
                allowed,
            )
            % values
        )
    return (
        ngettext(
            "%(entry)s: only %(count)s judge is outside %(department)s; it needs %(k)s.",
            "%(entry)s: only %(count)s judges are outside %(department)s; it needs %(k)s.",
            allowed,
        )
        % values
    )


def _too_many_kept_message(entry: EntryRef, count: int, k: int) -> str:
    return gettext(
        "%(entry)s already has %(count)s judges kept (submitted score sheets or assignments "
        "made by hand), but each entry gets %(k)s."
    ) % {"entry": _entry_name(entry), "count": count, "k": k}


def _kept_ineligible_message(entry: EntryRef, judge: JudgeRef) -> str:
    values = {"entry": _entry_name(entry), "judge": _judge_name(judge)}
    if judge.id == entry.author_id:
        return (
            gettext(
                "%(entry)s: %(judge)s is kept on it (a submitted score sheet or an assignment "
                "made by hand) but is its author."
            )
            % values
        )
    return (
        gettext(
            "%(entry)s: %(judge)s is kept on it (a submitted score sheet or an assignment made by "
            "hand) but is in its department."
        )
        % values
    )
