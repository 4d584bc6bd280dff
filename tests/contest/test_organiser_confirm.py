"""Status changes that cannot be undone go through a page that says what happens next."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from contest.models import Contest, Entry
from tests import factories

pytestmark = pytest.mark.django_db

Status = Contest.Status


@pytest.fixture
def organiser_client(client: Client, organiser: User) -> Client:
    client.force_login(organiser)
    return client


def _confirm(contest: Contest, status: str) -> str:
    return reverse("organiser_contest_confirm", args=[contest.slug, status])


def _status(contest: Contest) -> str:
    return Contest.objects.get(pk=contest.pk).status


def test_dashboard_leads_to_the_confirmation_page_and_keeps_draft_a_button(
    organiser_client: Client, open_contest: Contest
) -> None:
    page = organiser_client.get(reverse("organiser_contest", args=[open_contest.slug]))
    html = page.content.decode()
    assert f'href="{_confirm(open_contest, "judging")}"' in html
    assert 'name="to_status" value="draft"' in html
    assert 'name="to_status" value="judging"' not in html


def test_closing_entries_says_what_happens_in_japanese_and_changes_nothing_until_confirmed(
    organiser_client: Client, open_contest: Contest, staff: User, judge: User
) -> None:
    factories.make_entry(open_contest, staff, status=Entry.Status.SUBMITTED)
    # Judging needs enough judges (judging's own guard) before entries can close.
    open_contest.judges.add(judge)
    Contest.objects.filter(pk=open_contest.pk).update(judges_per_entry=1)
    response = organiser_client.get(_confirm(open_contest, "judging"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "締め切ると応募者は編集できなくなります。元に戻せません。" in html
    assert "提出済みの1件が審査の対象になります。" in html
    assert "この後の流れ" in html
    assert "早めに締め切ることになります" in html  # the closing time has not come yet
    assert _status(open_contest) == Status.OPEN

    response = organiser_client.post(_confirm(open_contest, "judging"))
    assert response["Location"] == reverse("organiser_contest", args=[open_contest.slug])
    assert _status(open_contest) == Status.JUDGING


def test_the_old_transition_form_cannot_skip_the_confirmation(
    organiser_client: Client, open_contest: Contest
) -> None:
    url = reverse("organiser_contest_transition", args=[open_contest.slug])
    response = organiser_client.post(url, {"to_status": "judging"})
    assert response["Location"] == _confirm(open_contest, "judging")
    assert _status(open_contest) == Status.OPEN


@pytest.mark.parametrize(
    ("status", "target", "says"),
    [
        (
            Status.JUDGING,
            "results",
            "審査を終了し、現在の採点をもとに順位をまとめます。元に戻せません。",
        ),
        (Status.RESULTS, "published", "結果と受賞プロンプトが全職員に公開され"),
    ],
)
def test_every_irreversible_step_says_so_and_what_comes_next(
    organiser_client: Client, status: str, target: str, says: str
) -> None:
    contest = factories.make_contest(status=status)
    factories.make_task(contest)
    html = organiser_client.get(_confirm(contest, target)).content.decode()
    assert says in html
    assert "この後の流れ" in html
    assert 'class="button danger"' in html
    organiser_client.post(_confirm(contest, target))
    assert _status(contest) == target


def test_planned_dates_appear_in_what_comes_next(organiser_client: Client) -> None:
    contest = factories.make_contest(status=Status.JUDGING)
    contest.results_at = contest.closes_at.replace(year=contest.closes_at.year + 1)
    contest.save()
    html = organiser_client.get(_confirm(contest, "results")).content.decode()
    assert "日程上の予定：結果発表" in html


def test_a_step_that_is_not_allowed_shows_why_and_offers_no_button(
    organiser_client: Client, open_contest: Contest
) -> None:
    response = organiser_client.get(_confirm(open_contest, "published"))
    html = response.content.decode()
    assert "今は実行できません。" in html
    assert 'type="submit"' not in html.split("<main", 1)[1]
    organiser_client.post(_confirm(open_contest, "published"))
    assert _status(open_contest) == Status.OPEN


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_there_is_no_confirmation_page_for_draft_or_unknown_statuses(
    organiser_client: Client, open_contest: Contest, status: str
) -> None:
    assert organiser_client.get(_confirm(open_contest, status)).status_code == 404


def test_starting_judging_with_too_few_judges_warns_before_and_after(
    organiser_client: Client, open_contest: Contest, judge: User
) -> None:
    open_contest.judges.add(judge)
    client = organiser_client
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(_confirm(open_contest, "judging")).content.decode()
    assert "Only 1 judge is chosen, but each entry should be scored by 3." in page


def test_staff_cannot_reach_the_confirmation_page(
    client: Client, staff: User, open_contest: Contest
) -> None:
    client.force_login(staff)
    assert client.get(_confirm(open_contest, "judging")).status_code == 403
    assert client.post(_confirm(open_contest, "judging")).status_code == 403
    assert _status(open_contest) == Status.OPEN
