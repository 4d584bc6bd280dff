from django import template

from contest.models import Run
from contest.runs.services import run_error_text

register = template.Library()


@register.filter
def error_text(run: Run) -> str:
    """A run's error in the reader's language (`{{ run|error_text }}`)."""
    return run_error_text(run)


@register.filter
def div1000(milliseconds: int | None) -> str:
    """Milliseconds as seconds with one decimal (`{{ run.latency_ms|div1000 }}` -> "1.2")."""
    return f"{(milliseconds or 0) / 1000:.1f}"
