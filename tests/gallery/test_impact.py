from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from contest.models import Contest, Entry
from gallery.impact import impact_for, month_starts
from gallery.models import GalleryUse
from tests import factories
from tests.gallery.builders import make_gallery_prompt

NOW = timezone.make_aware(datetime(2026, 12, 3, 12, 0))


def _use(prompt_id: int, user: User, when: datetime) -> None:
    use = GalleryUse.objects.create(prompt_id=prompt_id, user=user)
    GalleryUse.objects.filter(pk=use.pk).update(created_at=when)


@pytest.fixture
def figures(open_contest: Contest, staff: User, other_staff: User) -> dict:
    summary, writing = open_contest.categories.all()
    factories.make_entry(open_contest, staff, status=Entry.Status.SUBMITTED, category=summary)
    factories.make_entry(open_contest, staff, status=Entry.Status.SUBMITTED, category=writing)
    factories.make_entry(open_contest, other_staff, status=Entry.Status.SUBMITTED, category=summary)
    factories.make_entry(open_contest, other_staff, status=Entry.Status.DRAFT)
    factories.make_entry(open_contest, other_staff, status=Entry.Status.WITHDRAWN)
    other = factories.make_contest()
    factories.make_entry(other, other_staff, status=Entry.Status.SUBMITTED)

    # 30 − 10 = 20 minutes per use; 60 − 45 = 15; an imported prompt without figures, 0.
    ours = make_gallery_prompt(contest=open_contest, copy_count=5, use_count=3, try_count=2)
    second = make_gallery_prompt(
        contest=open_contest, minutes_before=60, minutes_after=45, copy_count=1, use_count=1
    )
    imported = make_gallery_prompt(
        minutes_before=None, minutes_after=None, external_id="x1", copy_count=7, use_count=1
    )
    _use(ours.pk, staff, timezone.make_aware(datetime(2026, 11, 10)))
    _use(ours.pk, other_staff, timezone.make_aware(datetime(2026, 11, 30, 23, 30)))
    _use(ours.pk, staff, timezone.make_aware(datetime(2026, 12, 1, 0, 30)))
    _use(second.pk, staff, timezone.make_aware(datetime(2026, 12, 2)))
    _use(imported.pk, staff, timezone.make_aware(datetime(2026, 12, 2)))
    # Older than the twelve months shown: counts in the total only.
    _use(ours.pk, staff, timezone.make_aware(datetime(2025, 6, 1)))
    return {"contest": open_contest, "staff": staff, "other_staff": other_staff}


def test_month_starts_run_back_over_the_year_boundary() -> None:
    starts = month_starts(datetime(2026, 2, 14).date(), count=4)
    assert [(d.year, d.month) for d in starts] == [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]


def test_contest_impact_counts_submitted_entries_by_department_and_category(figures: dict) -> None:
    impact = impact_for(contest=figures["contest"], now=NOW)
    assert impact.entries == 3
    assert impact.participants == 2
    rows = {row.name: (row.entries, row.participants) for row in impact.departments}
    assert rows == {
        figures["staff"].department.name_ja: (2, 1),
        figures["other_staff"].department.name_ja: (1, 1),
    }
    assert impact.categories == [("要約", 2), ("文書作成", 1)]


def test_contest_impact_sums_its_own_prompts_counters(figures: dict) -> None:
    impact = impact_for(contest=figures["contest"], now=NOW)
    assert (impact.prompts, impact.copies, impact.uses, impact.tries) == (2, 6, 4, 2)


def test_hours_saved_per_month_multiply_minutes_saved_by_uses_in_that_month(
    figures: dict,
) -> None:
    impact = impact_for(contest=figures["contest"], now=NOW)
    months = {(row.month.year, row.month.month): row for row in impact.months}
    assert len(impact.months) == 12
    # 23:30 on 30 November Japan time is November, 00:30 on 1 December is December.
    assert (months[2026, 11].uses, months[2026, 11].minutes) == (2, 40)
    assert (months[2026, 12].uses, months[2026, 12].minutes) == (2, 35)
    assert months[2026, 1].minutes == 0
    assert impact.hours_in_months == round(75 / 60, 1)
    assert impact.minutes_total == 95


def test_overall_impact_covers_every_contest_and_imported_prompts(figures: dict) -> None:
    impact = impact_for(contest=None, now=NOW)
    assert impact.entries == 4
    assert impact.participants == 2
    assert (impact.prompts, impact.copies, impact.uses) == (3, 13, 5)
    # The imported prompt's use counts as a use but saves no estimated minutes.
    december = impact.months[-1]
    assert (december.uses, december.minutes) == (3, 35)


def test_dashboard_shows_figures_and_svg_charts(
    client: Client, organiser: User, figures: dict
) -> None:
    client.force_login(organiser)
    response = client.get(reverse("gallery_impact_contest", args=[figures["contest"].slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") == 3
    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]
    assert figures["staff"].department.name_ja in page


@pytest.mark.parametrize("size", [1, 20])
def test_dashboard_queries_do_not_grow_with_the_data(
    client: Client,
    django_assert_num_queries: Any,
    organiser: User,
    open_contest: Contest,
    size: int,
) -> None:
    for n in range(size):
        author = factories.make_user()
        factories.make_entry(
            open_contest,
            author,
            status=Entry.Status.SUBMITTED,
            category=open_contest.categories.first(),
        )
        prompt = make_gallery_prompt(contest=open_contest, title=f"要約 {n}")
        GalleryUse.objects.create(prompt=prompt, user=author)
    client.force_login(organiser)
    client.get(reverse("gallery_impact"))  # the session and the user, once
    for name, args in (("gallery_impact", []), ("gallery_impact_contest", [open_contest.slug])):
        with django_assert_num_queries(QUERIES[name]):
            assert client.get(reverse(name, args=args)).status_code == 200


QUERIES = {"gallery_impact": 10, "gallery_impact_contest": 11}


def test_staff_cannot_open_the_dashboard(client: Client, staff: User, figures: dict) -> None:
    client.force_login(staff)
    assert client.get(reverse("gallery_impact")).status_code == 403
    url = reverse("gallery_impact_contest", args=[figures["contest"].slug])
    assert client.get(url).status_code == 403


def test_draft_contest_has_no_dashboard(client: Client, organiser: User) -> None:
    draft = factories.make_contest(status=Contest.Status.DRAFT)
    client.force_login(organiser)
    assert client.get(reverse("gallery_impact_contest", args=[draft.slug])).status_code == 404
