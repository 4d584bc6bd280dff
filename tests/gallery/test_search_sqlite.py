"""Search on SQLite (FTS5 over the same bigrams), in the embedded session of `make test`."""

import pytest
from django.db import connection

from .search_cases import *  # noqa: F403

pytestmark = pytest.mark.embedded


@pytest.fixture(autouse=True)
def _sqlite_only(db: None) -> None:
    if connection.vendor != "sqlite":
        pytest.skip(f"runs on SQLite; this session uses {connection.vendor}")


def test_a_search_page_walks_the_sorts_index_instead_of_sorting_every_match(db: None) -> None:
    """Started from the FTS5 matches, SQLite sorted all of them: 要約 at 10,000 prompts
    (1,900 matches) took 11 ms; walking the sort's index takes 1.3 ms."""
    from django.utils import timezone

    from gallery.models import GalleryPrompt
    from gallery.publishing import search_text_of
    from gallery.selectors import Listing, gallery_prompts

    now = timezone.now()
    batch = []
    for n in range(2000):
        prompt = GalleryPrompt(
            title=f"通知文の要約 {n}" if n % 5 == 0 else f"議事録の作成 {n}",
            prompt_template="{{input}}",
            published_at=now,
        )
        prompt.search_text = search_text_of(prompt)
        batch.append(prompt)
    GalleryPrompt.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what the planner knows of a real gallery
        page = gallery_prompts(Listing(q="要約", filters={}, sort="new"))[:24]
        sql, params = page.query.sql_with_params()
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "TEMP B-TREE" not in plan, plan
    assert len(page) == 24
