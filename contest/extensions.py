"""What apps to the right of contest add to it, registered at start-up.

The data flows one way (accounts → contest → judging → gallery), so contest never imports
judging or gallery. Where the contest's pages or lifecycle need them — "every assignment
scored before results", "publish the winners when the contest is published", the judging
queue on the home page — the later app registers a function here from its
`AppConfig.ready()`, and contest calls whatever is registered.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from accounts.models import User
from contest.models import Contest

# Why `contest` cannot move to the status now (words an organiser acts on), or None.
Guard = Callable[[Contest], str | None]
# Work done in the status change's transaction; raising a ValidationError undoes the change.
Effect = Callable[[Contest], None]
# A page section's context for this person (and contest), or None to leave it out.
SectionContext = Callable[[User, Contest | None], dict[str, Any] | None]


@dataclass(frozen=True)
class Section:
    template: str
    context: SectionContext


@dataclass
class Registry:
    guards: dict[str, list[Guard]] = field(default_factory=dict)
    effects: dict[str, list[Effect]] = field(default_factory=dict)
    sections: dict[str, list[Section]] = field(default_factory=dict)


registry = Registry()

# Where sections can be added.
HOME = "home"
ORGANISER_DASHBOARD = "organiser_dashboard"


def register_transition_guard(to_status: str, guard: Guard) -> None:
    registry.guards.setdefault(to_status, []).append(guard)


def register_transition_effect(to_status: str, effect: Effect) -> None:
    registry.effects.setdefault(to_status, []).append(effect)


def register_section(place: str, template: str, context: SectionContext) -> None:
    registry.sections.setdefault(place, []).append(Section(template, context))


def transition_guard_problems(contest: Contest, to_status: str) -> list[str]:
    return [
        reason
        for guard in registry.guards.get(to_status, [])
        if (reason := guard(contest)) is not None
    ]


def transition_effects_run(contest: Contest, to_status: str) -> None:
    for effect in registry.effects.get(to_status, []):
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
