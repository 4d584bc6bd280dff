"""The listing's cards, rendered once and kept: 24 cards were a third of the page's time.

A card shows the frozen snapshot and two counters, so its key holds what can change it:
the language, the prompt's last save (an import updates it) and the copy and like counts
(bumped by `update()`, which leaves `updated_at` alone). A stale card cannot be read.
"""

from collections.abc import Iterable

from django.core.cache import cache
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from gallery.models import GalleryPrompt

CARD_TEMPLATE = "gallery/includes/card.html"
CARD_CACHE_SECONDS = 3600


def _key(prompt: GalleryPrompt) -> str:
    return (
        f"gallery:card:{translation.get_language()}:{prompt.pk}:"
        f"{prompt.updated_at.timestamp()}:{prompt.copy_count}:{prompt.like_count}"
    )


def gallery_cards(prompts: Iterable[GalleryPrompt]) -> list[SafeString]:
    keyed = {_key(prompt): prompt for prompt in prompts}
    kept = cache.get_many(keyed)
    template = get_template(CARD_TEMPLATE)
    made = {
        key: template.render({"prompt": prompt}) for key, prompt in keyed.items() if key not in kept
    }
    if made:
        cache.set_many(made, CARD_CACHE_SECONDS)
    # Rendered by our template (autoescaped) or read back from what it rendered.
    return [mark_safe(kept.get(key) or made[key]) for key in keyed]  # noqa: S308
