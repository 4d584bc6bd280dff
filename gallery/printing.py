"""The printable プロンプト集: the published prompts of one contest or one category.

Only the snapshot is printed (what the gallery page shows anyway): no counters, no likes,
nothing of the person who prints it. The book is bounded (MAX_PROMPTS): a category across
every imported municipality can hold thousands, and a print of that helps nobody; the page
says when it was cut and how to narrow it.
"""

from dataclasses import dataclass

from django.db.models import F

from gallery.models import GalleryPrompt

MAX_PROMPTS = 200
MAX_FILTER_CHARS = 200


@dataclass(frozen=True)
class PromptBook:
    contest: str
    category: str
    prompts: list[GalleryPrompt]
    cut: bool


def prompt_book(*, contest: str, category: str) -> PromptBook:
    """The published prompts of `contest` (its title, as the gallery filters it) and/or
    `category`, award winners first (highest award first), then the newest."""
    contest, category = contest.strip()[:MAX_FILTER_CHARS], category.strip()[:MAX_FILTER_CHARS]
    prompts = GalleryPrompt.objects.published()
    if contest:
        prompts = prompts.filter(contest_title=contest)
    if category:
        prompts = prompts.filter(category=category)
    rows = list(
        prompts.order_by(F("award_rank").asc(nulls_last=True), "-published_at", "-pk").defer(
            "search_text", "variables"
        )[: MAX_PROMPTS + 1]
    )
    return PromptBook(contest, category, rows[:MAX_PROMPTS], cut=len(rows) > MAX_PROMPTS)
