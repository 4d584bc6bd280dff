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

It is a flow problem, solved in `judging.assignment_flow` (which explains how); this module
holds the rules and the words.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from django.utils.translation import gettext, ngettext, pgettext

from judging.assignment_flow import AssignmentNetwork, CrowdedEntries, IdleJudges

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
    _check_unique_ids(entries, judges)
    kept = _validated_keep(entries, judges, keep or {})
    if not entries:
        return {}
    if len(judges) < k:
        raise AssignmentImpossible([Problem(0, _too_few_judges_message(k, len(judges)))])
    judge_index = {judge.id: index for index, judge in enumerate(judges)}
    kept_indices = [[judge_index[j] for j in kept.get(entry.id, [])] for entry in entries]
    free = _eligible_lists(entries, judges, recuse_same_department, kept_indices)
    problems = _entry_problems(entries, judges, k, kept_indices, free, recuse_same_department)
    if problems:
        raise AssignmentImpossible(problems)

    total = len(entries) * k
    low, high = total // len(judges), -(-total // len(judges))
    network = partial(AssignmentNetwork, judge_count=len(judges), k=k, seed=seed)
    solver = network(eligible=free, kept=kept_indices)
    if solver.solve_balanced(low, high):
        return _by_id(solver, entries, judges)
    if any(kept_indices):
        # Would the balance break without the kept pairs too?
        unkept = network(
            eligible=[[*own, *more] for own, more in zip(kept_indices, free, strict=True)],
            kept=[[] for _ in entries],
        )
        if unkept.solve_balanced(low, high):
            # Only the kept pairs break it: keep them, balance the rest as well as they allow.
            solver = network(eligible=free, kept=kept_indices)
            solver.solve_most_balanced(high, low)
            return _by_id(solver, entries, judges)
        solver = unkept
    why = solver.explain_imbalance(low, high)
    raise AssignmentImpossible(_imbalance_problems(why, entries, judges, k, (low, high)))


def _by_id(
    solver: AssignmentNetwork, entries: Sequence[EntryRef], judges: Sequence[JudgeRef]
) -> dict[int, list[int]]:
    return {
        entry.id: sorted(judges[j].id for j in entry_judges)
        for entry, entry_judges in zip(entries, solver.pairs(), strict=True)
    }


# --- Checks before any flow -----------------------------------------------------------------


def _check_unique_ids(entries: Sequence[EntryRef], judges: Sequence[JudgeRef]) -> None:
    if len({entry.id for entry in entries}) != len(entries):
        raise ValueError("entries repeat an id")
    if len({judge.id for judge in judges}) != len(judges):
        raise ValueError("judges repeat an id")


def _validated_keep(
    entries: Sequence[EntryRef], judges: Sequence[JudgeRef], keep: Mapping[int, Collection[int]]
) -> dict[int, list[int]]:
    known_entries = {entry.id for entry in entries}
    known_judges = {judge.id for judge in judges}
    kept: dict[int, list[int]] = {}
    for entry_id, kept_judges in keep.items():
        if entry_id not in known_entries:
            raise ValueError(f"keep names entry {entry_id}, which is not among the entries")
        unknown = set(kept_judges) - known_judges
        if unknown:
            raise ValueError(f"keep names judges {sorted(unknown)}, who are not among the judges")
        kept[entry_id] = sorted(set(kept_judges))
    return kept


def _eligible_lists(
    entries: Sequence[EntryRef],
    judges: Sequence[JudgeRef],
    recuse: bool,
    kept: Sequence[Sequence[int]],
) -> list[list[int]]:
    """Each entry's eligible judges (as indices) beyond its kept ones.

    The rule of `eligible`, with the judges outside each department found once per
    department rather than once per entry and judge.
    """
    outside: dict[int | None, list[int]] = {}
    lists = []
    for entry, entry_kept in zip(entries, kept, strict=True):
        department = entry.department_id if recuse else None
        if department not in outside:
            outside[department] = [
                j
                for j, judge in enumerate(judges)
                if department is None or judge.department_id != department
            ]
        lists.append(
            [
                j
                for j in outside[department]
                if j not in entry_kept and judges[j].id != entry.author_id
            ]
        )
    return lists


def _entry_problems(
    entries: Sequence[EntryRef],
    judges: Sequence[JudgeRef],
    k: int,
    kept: Sequence[Sequence[int]],
    free: Sequence[Sequence[int]],
    recuse: bool,
) -> list[Problem]:
    """Each entry that cannot get k judges whatever the others get (Hall's condition for one),
    and each kept pair that breaks a rule."""
    problems: list[Problem] = []
    for entry, entry_kept, entry_free in zip(entries, kept, free, strict=True):
        allowed = len(entry_free)
        for j in entry_kept:
            if eligible(entry, judges[j], recuse_same_department=recuse):
                allowed += 1
            else:
                problems.append(Problem(entry.id, _kept_ineligible_message(entry, judges[j])))
        if len(entry_kept) > k:
            problems.append(Problem(entry.id, _too_many_kept_message(entry, len(entry_kept), k)))
        if allowed < k:
            problems.append(
                Problem(entry.id, _too_few_eligible_message(entry, judges, allowed, k, recuse))
            )
    return problems


def _imbalance_problems(
    why: CrowdedEntries | IdleJudges,
    entries: Sequence[EntryRef],
    judges: Sequence[JudgeRef],
    k: int,
    loads: tuple[int, int],
) -> list[Problem]:
    """The minimum cut that stops the ±1 balance, in words an organiser can act on."""
    low, high = loads
    if isinstance(why, IdleJudges):
        message = gettext(
            "Judges' loads cannot be kept within one of each other (%(loads)s): %(judges)s can "
            "be given at most %(available)s of the entries (the others are their own, their "
            "department's, or needed by other judges), but balanced loads need %(needed)s. "
            "Remove them from the judges, allow judges from the same department or lower the "
            "number of judges per entry."
        ) % {
            "loads": _loads_phrase(low, high),
            "judges": _judge_list([_judge_name(judges[j]) for j in why.judges]),
            "available": why.available,
            "needed": why.needed,
        }
        return [Problem(0, message)]
    summary = ngettext(
        "Judges' loads cannot be kept within one of each other (%(loads)s): "
        "%(entries)s need %(needed)s judging, but the judges allowed to judge them "
        "(%(judges)s) can take only %(available)s of them at that load. Add judges, allow "
        "judges from the same department or lower the number of judges per entry.",
        "Judges' loads cannot be kept within one of each other (%(loads)s): "
        "%(entries)s need %(needed)s judgings, but the judges allowed to judge them "
        "(%(judges)s) can take only %(available)s of them at that load. Add judges, allow "
        "judges from the same department or lower the number of judges per entry.",
        why.needed,
    ) % {
        "loads": _loads_phrase(low, high),
        "entries": _entry_list([_entry_name(entries[e]) for e in why.entries]),
        "needed": why.needed,
        "judges": _judge_list([_judge_name(judges[j]) for j in why.allowed_judges]),
        "available": why.available,
    }
    problems = [Problem(0, summary)]
    for e in why.entries:
        message = gettext(
            "%(entry)s: the judges allowed to judge it are shared by too many entries to "
            "give each of them %(k)s judges with balanced loads."
        ) % {"entry": _entry_name(entries[e]), "k": k}
        problems.append(Problem(entries[e].id, message))
    return problems


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
