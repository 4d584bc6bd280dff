"""What apps to the right of contest add to it, registered at start-up.

The data flows one way (accounts → contest → judging → gallery), so contest never imports
judging or gallery. Where the contest's pages or lifecycle need them — "every assignment
scored before results", "publish the winners when the contest is published", the judging
queue on the home page — the later app registers a function here from its
`AppConfig.ready()`, and contest calls whatever is registered.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from accounts.models import User
from contest.models import Contest, Entry

# Why `contest` cannot move to the status now (words an organiser acts on), or None.
Guard = Callable[[Contest], str | None]
# Work done in the change's transaction (a status change, new judges); raising a
# ValidationError undoes the change.
Effect = Callable[[Contest], None]
# A page section's context for this person (and contest), or None to leave it out.
SectionContext = Callable[[User, Contest | None], dict[str, Any] | None]
# The same for a section of an entry's page.
EntrySectionContext = Callable[[User, Entry], dict[str, Any] | None]
# What a later app adds to `seed_demo`, given the demo's people by login name; the lines
# it returns are printed in the summary.
DemoStep = Callable[[Mapping[str, User]], list[str]]


@dataclass(frozen=True)
class Section:
    template: str
    context: SectionContext


@dataclass(frozen=True)
class EntrySection:
    template: str
    context: EntrySectionContext


@dataclass
class Registry:
    guards: dict[str, list[Guard]] = field(default_factory=dict)
    effects: dict[str, list[Effect]] = field(default_factory=dict)
    judges_changed: list[Effect] = field(default_factory=list)
    sections: dict[str, list[Section]] = field(default_factory=dict)
    entry_sections: list[EntrySection] = field(default_factory=list)
    demo_steps: list[DemoStep] = field(default_factory=list)


registry = Registry()

# Where sections can be added.
HOME = "home"
ORGANISER_DASHBOARD = "organiser_dashboard"


def register_transition_guard(to_status: str, guard: Guard) -> None:
    registry.guards.setdefault(to_status, []).append(guard)


def register_transition_effect(to_status: str, effect: Effect) -> None:
    registry.effects.setdefault(to_status, []).append(effect)


def register_judges_changed_effect(effect: Effect) -> None:
    """`effect` runs when an organiser changes a contest's judges, in the same transaction."""
    registry.judges_changed.append(effect)


def register_section(place: str, template: str, context: SectionContext) -> None:
    registry.sections.setdefault(place, []).append(Section(template, context))


def register_demo_step(step: DemoStep) -> None:
    """`step` runs in `seed_demo` after the demo's open contest, in the same transaction."""
    registry.demo_steps.append(step)


def register_entry_section(template: str, context: EntrySectionContext) -> None:
    """A section of the entry page (`/entries/<id>/`), shown when `context` returns one."""
    registry.entry_sections.append(EntrySection(template, context))


def transition_guard_problems(contest: Contest, to_status: str) -> list[str]:
    return [
        reason
        for guard in registry.guards.get(to_status, [])
        if (reason := guard(contest)) is not None
    ]


def transition_effects_run(contest: Contest, to_status: str) -> None:
    for effect in registry.effects.get(to_status, []):
        effect(contest)


def judges_changed_effects_run(contest: Contest) -> None:
    for effect in registry.judges_changed:
        effect(contest)


def sections_for(
    place: str, user: User, contest: Contest | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) for every registered section that has something to show."""
    shown = []
    for section in registry.sections.get(place, []):
        context = section.context(user, contest)
        if context is not None:
            shown.append((section.template, context))
    return shown


def entry_sections_for(user: User, entry: Entry) -> list[tuple[str, dict[str, Any]]]:
    shown = []
    for section in registry.entry_sections:
        context = section.context(user, entry)
        if context is not None:
            shown.append((section.template, context))
    return shown


def demo_steps_run(people: Mapping[str, User]) -> list[str]:
    return [line for step in registry.demo_steps for line in step(people)]
