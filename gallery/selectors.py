"""Reads of the gallery: the listing (search, filters, sort), its filter choices, a prompt.

Only published prompts are ever read here; an unpublished one is a 404 to everyone but an
organiser (who sees it to republish it).
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import is_organiser
from gallery.models import GalleryLike, GalleryPrompt, GalleryPromptQuerySet
from gallery.search import query_terms

FACETS_CACHE_KEY = "gallery:facets"
FACETS_CACHE_SECONDS = 300

SORTS: dict[str, tuple[Promise, tuple[str, ...]]] = {
    "new": (_("Newest"), ("-published_at", "-pk")),
    "copied": (_("Most copied"), ("-copy_count", "-published_at", "-pk")),
    "liked": (_("Most liked"), ("-like_count", "-published_at", "-pk")),
    "saved": (_("Most time saved"), ("-minutes_saved", "-published_at", "-pk")),
}
DEFAULT_SORT = "new"
# Query parameter -> the snapshot field it filters on.
FILTERS = {
    "category": "category",
    "award": "award_name",
    "contest": "contest_title",
    "department": "credit_department",
    "year": "fiscal_year",
    "organisation": "organisation",
}
MAX_FILTER_CHARS = 200


@dataclass(frozen=True)
class Listing:
    q: str
    filters: dict[str, str]
    sort: str


def _search_condition(terms: list[str]) -> Q | RawSQL:
    """Every term present: PostgreSQL's GIN index, SQLite's FTS5 table (gallery/search_index)."""
    if connection.vendor == "postgresql":
        # Terms hold only letters and digits (gallery/search.py), quoted all the same.
        query = " & ".join("'" + term.replace("'", "''") + "'" for term in terms)
        return RawSQL(
            "gallery_galleryprompt.search_vector @@ %s::tsquery",
            [query],
            output_field=BooleanField(),
        )
    if connection.vendor == "sqlite":
        query = " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)
        return Q(
            pk__in=RawSQL("SELECT rowid FROM gallery_search WHERE gallery_search MATCH %s", [query])
        )
    condition = Q()
    for term in terms:
        condition &= Q(search_text__contains=term)
    return condition


def listing_from(params: dict[str, str]) -> Listing:
    """What the URL asks for, with anything unknown or oversized dropped."""
    # NUL is the one character PostgreSQL refuses in a string: it is never in a value.
    filters = {
        name: value
        for name in FILTERS
        if (value := params.get(name, "").replace("\x00", "").strip()[:MAX_FILTER_CHARS])
    }
    if "year" in filters and not filters["year"].isdecimal():
        del filters["year"]
    sort = params.get("sort", DEFAULT_SORT)
    return Listing(
        q=params.get("q", "")[:1000],
        filters=filters,
        sort=sort if sort in SORTS else DEFAULT_SORT,
    )


def gallery_prompts(listing: Listing) -> GalleryPromptQuerySet:
    prompts = GalleryPrompt.objects.published()
    if terms := query_terms(listing.q):
        prompts = prompts.filter(_search_condition(terms))
    for name, value in listing.filters.items():
        field = FILTERS[name]
        prompts = prompts.filter(**{field: int(value) if name == "year" else value})
    return prompts.order_by(*SORTS[listing.sort][1]).defer(
        "system_prompt", "prompt_template", "variables", "usage_notes", "examples", "search_text"
    )


def _facets() -> dict[str, list[str]]:
    published = GalleryPrompt.objects.published()
    facets = {}
    for name, field in FILTERS.items():
        values = published.exclude(**{field: ""} if name != "year" else {f"{field}__isnull": True})
        facets[name] = [
            str(value)
            for value in values.order_by(f"-{field}" if name == "year" else field)
            .values_list(field, flat=True)
            .distinct()
        ]
    return facets


def gallery_facets() -> dict[str, list[str]]:
    """The values each filter can take (cached: six DISTINCT scans are not per page view)."""
    facets = cache.get_or_set(FACETS_CACHE_KEY, _facets, FACETS_CACHE_SECONDS)
    return facets if isinstance(facets, dict) else _facets()


def gallery_facets_forget() -> None:
    cache.delete(FACETS_CACHE_KEY)


def gallery_prompt_for(user: User | None, pk: int) -> GalleryPrompt:
    """A published prompt, or an unpublished one for an organiser; else 404."""
    prompt = GalleryPrompt.objects.filter(pk=pk).first()
    if prompt is None or not (prompt.is_published or (user and is_organiser(user))):
        raise Http404
    return prompt


def liked_by(user: User | None, prompt: GalleryPrompt) -> bool:
    if user is None:
        return False
    return GalleryLike.objects.filter(prompt=prompt, user=user).exists()
