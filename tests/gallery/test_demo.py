"""`seed_demo` publishes the earlier contest and imports a second municipality's export."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from contest.models import Contest
from gallery.models import GalleryPrompt
from gallery.selectors import Listing, gallery_prompts

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db: None, settings: Any) -> str:
    settings.DEBUG = True
    settings.LLM_PROVIDER = "echo"
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_gallery_has_our_winners_and_another_towns_prompts(seeded: str) -> None:
    earlier = Contest.objects.get(slug="r6-prompt-contest")
    assert earlier.status == Contest.Status.PUBLISHED
    ours = GalleryPrompt.objects.filter(contest=earlier)
    assert ours.filter(award_rank=1).count() == 1
    assert ours.count() == earlier.entries.filter(share_in_gallery=True).count()
    imported = GalleryPrompt.objects.filter(organisation="かもめ台町")
    assert imported.count() == 4 and all(p.is_imported for p in imported)
    assert "imported from かもめ台町" in seeded
    anonymous = ours.get(title="問い合わせ内容の要点メモ")
    assert (anonymous.credit_name, anonymous.credit_department) == ("", "")


def test_the_demo_answers_the_searches_of_the_issue(seeded: str) -> None:
    def found(q: str) -> int:
        return gallery_prompts(Listing(q=q, filters={}, sort="new")).count()

    for q in ("要約", "議事録", "翻訳", "ＡＩ", "ｶﾀｶﾅ", "議事録 作成"):
        assert found(q) >= 1, q
