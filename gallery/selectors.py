"""Reads of the gallery: the listing (search, filters, sort), its filter choices, a prompt.

Only published prompts are ever read here; an unpublished one is a 404 to everyone but an
organiser (who sees it to republish it).
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, F, OrderBy, Q
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

# Each matches an index of GalleryPrompt (gallery_saved_nulls_last on PostgreSQL).
SORTS: dict[str, tuple[Promise, tuple[str | OrderBy, ...]]] = {
    "new": (_("Newest"), ("-published_at", "-pk")),
    "copied": (_("Most copied"), ("-copy_count", "-published_at", "-pk")),
    "liked": (_("Most liked"), ("-like_count", "-published_at", "-pk")),
    "saved": (
        _("Most time saved"),
        (F("minutes_saved").desc(nulls_last=True), "-published_at", "-pk"),
    ),
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
NOT_ON_A_CARD = (
    "system_prompt", "prompt_template", "variables", "usage_notes", "examples", "search_text"
)  # fmt: skip


@dataclass(frozen=True)
class Listing:
    q: str
    filters: dict[str, str]
    sort: str
    # The prompts organisers took down (for organisers only: the view decides).
    unpublished: bool = False


def _search_condition(terms: list[str], *, in_sort_order: bool) -> Q | RawSQL:
    """Every term present: PostgreSQL's GIN index, SQLite's FTS5 table (gallery/search_index).

    `in_sort_order`: the query reads a page in the sort's order. SQLite's planner would
    start from every match of the FTS5 table and sort them (要約 at 10,000 prompts: 1,900
    rows, 11 ms); the unary `+` keeps it off that plan, so it walks the sort's index and
    checks each prompt against the matches until the page is full (1.3 ms, and 1.2 ms when
    nothing matches). A count has no order and starts from the matches (PostgreSQL's
    planner makes this choice itself).
    """
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
        if in_sort_order:
            return RawSQL(
                "+gallery_galleryprompt.id IN "
                "(SELECT rowid FROM gallery_search WHERE gallery_search MATCH %s)",
                [query],
                output_field=BooleanField(),
            )
        return Q(
            pk__in=RawSQL("SELECT rowid FROM gallery_search WHERE gallery_search MATCH %s", [query])
        )
    condition = Q()
    for term in terms:
        condition &= Q(search_text__contains=term)
    return condition


def listing_from(params: dict[str, str], *, organiser: bool = False) -> Listing:
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
        unpublished=organiser and params.get("status") == GalleryPrompt.Status.UNPUBLISHED,
    )


def _matching(listing: Listing, *, in_sort_order: bool) -> GalleryPromptQuerySet:
    status = (
        GalleryPrompt.Status.UNPUBLISHED if listing.unpublished else GalleryPrompt.Status.PUBLISHED
    )
    prompts = GalleryPrompt.objects.filter(status=status)
    if terms := query_terms(listing.q):
        prompts = prompts.filter(_search_condition(terms, in_sort_order=in_sort_order))
    for name, value in listing.filters.items():
        field = FILTERS[name]
        prompts = prompts.filter(**{field: int(value) if name == "year" else value})
    return prompts


def gallery_prompts(listing: Listing) -> GalleryPromptQuerySet:
    return (
        _matching(listing, in_sort_order=True)
        .order_by(*SORTS[listing.sort][1])
        .defer(*NOT_ON_A_CARD)
    )


def gallery_count(listing: Listing, *, at_most: int) -> int:
    """How many prompts the listing holds, counting no further than `at_most`.

    Unordered: the count reads whichever index fits the filters, instead of walking the
    sort's index and checking each prompt (a category and a year at 100,000 prompts: 98 ms
    ordered, 1 ms not).
    """
    return _matching(listing, in_sort_order=False).order_by()[:at_most].count()


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
