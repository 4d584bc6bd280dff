"""Who may reach which URL: every named route × anonymous, author, other staff, organiser,
and the judging personas: a judge assigned the entry, a judge of the same contest who is
not, a judge of another contest, and an entrant whose contest is published.

A new URL without a row here fails `test_every_named_url_is_in_the_matrix`, so access is
decided on purpose, never by accident. Private objects answer 404, not 403, to people who
may not see them (their existence is not leaked); role pages answer 403.
"""

from dataclasses import dataclass
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from accounts.models import User
from contest.images import clean_image
from contest.models import Contest, Entry, EntryRevision
from contest.runs.previews import preview_inputs_for_tasks, runs_create_preview
from contest.services import entry_submit
from gallery.models import GalleryPrompt
from judging.models import Assignment
from tests import factories

LOGIN = "login"  # a redirect to the sign-in page
JUDGING_PERSONAS = (
    "assigned_judge",
    "unassigned_judge",
    "other_contest_judge",
    "published_entrant",
)
PERSONAS = ("anonymous", "author", "other_staff", "organiser", *JUDGING_PERSONAS)

Expected = int | str


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    # "", "slug", "entry", "entry+revision", "preview", "slug+task", "slug+status"; judging's
    # contest: "assignment", "judged", "judged+entry", "judged+assignment"; the gallery: "prompt",
    # "prompt+slug"
    args: str
    anonymous: Expected
    author: Expected
    other_staff: Expected
    organiser: Expected
    # The judging personas are ordinary staff wherever a row does not say otherwise.
    assigned_judge: Expected | None = None
    unassigned_judge: Expected | None = None
    other_contest_judge: Expected | None = None
    published_entrant: Expected | None = None

    def expected(self, persona: str) -> Expected:
        value: Expected | None = getattr(self, persona)
        return self.other_staff if value is None else value


ORGANISER_ONLY: dict[str, Expected] = {"anonymous": LOGIN, "author": 403, "other_staff": 403}
ENTRY_PRIVATE: dict[str, Expected] = {"anonymous": LOGIN, "other_staff": 404}
# A judge's own sheet: 404 for everyone else, organisers included (they read sheets on
# judging's organiser pages).
JUDGE_OWN: dict[str, Expected] = {
    "anonymous": LOGIN,
    "author": 404,
    "other_staff": 404,
    "organiser": 404,
    "assigned_judge": 200,
}

MATRIX = [
    Row("home", "get", "", 200, 200, 200, 200),
    Row("healthz", "get", "", 200, 200, 200, 200),
    Row("profile", "get", "", LOGIN, 200, 200, 200),
    Row("contest_list", "get", "", LOGIN, 200, 200, 200),
    Row("contest_detail", "get", "slug", LOGIN, 200, 200, 200),
    Row("entry_create", "get", "slug", LOGIN, 200, 200, 200),
    Row("entry_detail", "get", "entry", author=200, organiser=200, **ENTRY_PRIVATE),
    Row("entry_edit", "get", "entry", author=200, organiser=404, **ENTRY_PRIVATE),
    Row("entry_withdraw", "get", "entry", author=200, organiser=404, **ENTRY_PRIVATE),
    Row("entry_image", "get", "entry", author=200, organiser=200, **ENTRY_PRIVATE),
    Row("entry_thumbnail", "get", "entry", author=200, organiser=200, **ENTRY_PRIVATE),
    Row("entry_runs", "get", "entry", author=200, organiser=200, **ENTRY_PRIVATE),
    Row("entry_revision", "get", "entry+revision", author=200, organiser=200, **ENTRY_PRIVATE),
    # The scene's entry has one revision: the comparison sends back to the entry's page.
    Row("entry_revision_diff", "get", "entry", author=302, organiser=302, **ENTRY_PRIVATE),
    # A try is its author's alone, organisers included.
    Row("preview_results", "get", "preview", author=200, organiser=404, **ENTRY_PRIVATE),
    Row("entry_retry_failed", "post", "entry", author=302, organiser=302, **ENTRY_PRIVATE),
    Row("run_monitor", "get", "slug", organiser=200, **ORGANISER_ONLY),
    Row("contest_retry_failed", "post", "slug", organiser=302, **ORGANISER_ONLY),
    Row("contest_cancel_pending", "post", "slug", organiser=302, **ORGANISER_ONLY),
    Row("organiser_home", "get", "", organiser=200, **ORGANISER_ONLY),
    Row("organiser_contest_create", "get", "", organiser=200, **ORGANISER_ONLY),
    Row("organiser_contest", "get", "slug", organiser=200, **ORGANISER_ONLY),
    Row("organiser_contest_edit", "get", "slug", organiser=200, **ORGANISER_ONLY),
    Row("organiser_contest_transition", "post", "slug", organiser=302, **ORGANISER_ONLY),
    Row("organiser_contest_confirm", "get", "slug+status", organiser=200, **ORGANISER_ONLY),
    # The scene's contest runs offline, so the test answers at once (nothing to call).
    Row("organiser_connection_test", "post", "slug", organiser=302, **ORGANISER_ONLY),
    Row("organiser_entries", "get", "slug", organiser=200, **ORGANISER_ONLY),
    Row("organiser_entries_csv", "get", "slug", organiser=200, **ORGANISER_ONLY),
    Row("organiser_slug_suggestion", "get", "", organiser=200, **ORGANISER_ONLY),
    # The scene's entry has runs, so the tasks are locked: organisers are sent back to the
    # dashboard with the reason (tests/contest/test_organiser_pages.py covers the forms).
    Row("organiser_task_create", "get", "slug", organiser=302, **ORGANISER_ONLY),
    Row("organiser_task_import", "get", "slug", organiser=302, **ORGANISER_ONLY),
    Row("organiser_task_edit", "get", "slug+task", organiser=302, **ORGANISER_ONLY),
    Row("organiser_task_move", "post", "slug+task", organiser=302, **ORGANISER_ONLY),
    Row("organiser_task_delete", "post", "slug+task", organiser=302, **ORGANISER_ONLY),
    Row("judging_home", "get", "", LOGIN, 200, 200, 200),
    Row("judging_sheet", "get", "assignment", **JUDGE_OWN),
    Row("judging_sheet_image", "get", "assignment", **JUDGE_OWN),
    Row("judging_sheet_thumbnail", "get", "assignment", **JUDGE_OWN),
    Row("judging_criteria", "get", "judged", organiser=200, **ORGANISER_ONLY),
    Row("judging_assignments", "get", "judged", organiser=200, **ORGANISER_ONLY),
    Row("judging_remind", "post", "judged", organiser=302, **ORGANISER_ONLY),
    Row("judging_entry", "get", "judged+entry", organiser=200, **ORGANISER_ONLY),
    Row("judging_assignment_add", "post", "judged+entry", organiser=302, **ORGANISER_ONLY),
    Row("judging_assignment_remove", "post", "judged+assignment", organiser=302, **ORGANISER_ONLY),
    Row("judging_assignment_waive", "post", "judged+assignment", organiser=302, **ORGANISER_ONLY),
    Row("judging_blind", "get", "judged", organiser=200, **ORGANISER_ONLY),
    Row("judging_redaction", "get", "judged+entry", organiser=200, **ORGANISER_ONLY),
    Row("judging_results", "get", "judged", organiser=200, **ORGANISER_ONLY),
    Row("judging_results_csv", "get", "judged", organiser=200, **ORGANISER_ONLY),
    Row("judging_results_json", "get", "judged", organiser=200, **ORGANISER_ONLY),
    Row("judging_awards", "get", "judged", organiser=200, **ORGANISER_ONLY),
    Row("gallery_list", "get", "", LOGIN, 200, 200, 200),
    Row("gallery_feed", "get", "", LOGIN, 200, 200, 200),
    Row("gallery_export", "get", "", LOGIN, 200, 200, 200),
    Row("gallery_detail", "get", "prompt", LOGIN, 200, 200, 200),
    # A try (of the examples, when nothing is typed) re-draws the page with its results.
    Row("gallery_try", "post", "prompt", LOGIN, 200, 200, 200),
    # Counted with a small POST from the page; without JavaScript it sends you back.
    Row("gallery_copy", "post", "prompt", LOGIN, 302, 302, 302),
    Row("gallery_like", "post", "prompt", LOGIN, 302, 302, 302),
    Row("gallery_unlike", "post", "prompt", LOGIN, 302, 302, 302),
    Row("gallery_use", "post", "prompt", LOGIN, 302, 302, 302),
    Row("gallery_unpublish", "post", "prompt", organiser=302, **ORGANISER_ONLY),
    Row("gallery_republish", "post", "prompt", organiser=302, **ORGANISER_ONLY),
    # One contest accepts entries, so the choice of contest is skipped.
    Row("gallery_start", "get", "prompt", LOGIN, 302, 302, 302),
    Row("gallery_start_entry", "get", "prompt+slug", LOGIN, 200, 200, 200),
    Row("gallery_print", "get", "", LOGIN, 200, 200, 200),
    Row("gallery_impact", "get", "", organiser=200, **ORGANISER_ONLY),
    Row("gallery_impact_contest", "get", "slug", organiser=200, **ORGANISER_ONLY),
]

# Routes owned by allauth, the admin and Django's language switch are tested with them.
FOREIGN_NAMESPACES = ("account_", "mfa_", "admin:", "set_language", "socialaccount")


def our_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], namespace: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name and not namespace:
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return {name for name in names if not name.startswith(FOREIGN_NAMESPACES)}


def test_every_named_url_is_in_the_matrix() -> None:
    assert our_url_names() - {row.name for row in MATRIX} == set()


def _png_upload() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile("screen.png", buffer.getvalue(), content_type="image/png")


def _with_image(entry: Entry) -> None:
    image = clean_image(_png_upload())
    entry.image.save(str(image.content.name), image.content, save=False)
    entry.thumbnail.save(str(image.thumbnail.name), image.thumbnail, save=False)
    entry.save()


def _submitted(contest: Contest, author: User) -> Entry:
    """An entry as submission leaves it, in a contest past its deadline."""
    entry = factories.make_entry(contest, author, status=Entry.Status.SUBMITTED, revision=1)
    EntryRevision.objects.create(
        entry=entry, number=1, title=entry.title, prompt_template=entry.prompt_template
    )
    return entry


@pytest.fixture
def scene(staff: User, other_staff: User, organiser: User, open_contest: Contest) -> dict:
    entry = factories.make_entry(
        open_contest, staff, prompt_template="次の文章を要約してください。\n{{input}}"
    )
    _with_image(entry)
    entry_submit(entry=entry)
    entry.runs.update(status="failed", error="test")

    # A contest being judged: the author's entry is assigned to one of its two judges (the
    # other shares the author's department).
    judged = factories.make_contest(status=Contest.Status.JUDGING, judges_per_entry=1)
    judged_entry = _submitted(judged, staff)
    # The same stored files: a judge's image view serves them like any entry's.
    judged_entry.image, judged_entry.thumbnail = entry.image.name, entry.thumbnail.name
    judged_entry.save(update_fields=["image", "thumbnail"])
    # Judges reach their pages only with two-factor sign-in set up.
    assigned = factories.give_authenticator_app(
        factories.make_user(department=factories.make_department())
    )
    unassigned = factories.give_authenticator_app(factories.make_user(department=staff.department))
    judged.judges.set([assigned, unassigned])
    assignment = Assignment.objects.create(
        contest=judged, entry=judged_entry, revision=judged_entry.revisions.get(), judge=assigned
    )
    elsewhere = factories.give_authenticator_app(
        factories.make_user(department=factories.make_department())
    )
    open_contest.judges.add(elsewhere)
    published = factories.make_contest(status=Contest.Status.PUBLISHED)
    entrant = factories.make_user()
    _submitted(published, entrant)
    preview = runs_create_preview(
        user=staff,
        system_prompt="",
        prompt_template="{{input}}",
        inputs=preview_inputs_for_tasks(list(open_contest.sample_tasks.all())),
        contest=open_contest,
    )
    prompt = GalleryPrompt.objects.create(
        title="通知文の3行要約",
        prompt_template="次の文章を要約してください。\n{{input}}",
        organisation="みなと坂市",
        published_at=timezone.now(),
    )
    return {
        "prompt": prompt,
        "contest": open_contest,
        "entry": entry,
        "preview": preview,
        "judged": judged,
        "judged_entry": judged_entry,
        "assignment": assignment,
        "users": {
            "author": staff,
            "other_staff": other_staff,
            "organiser": organiser,
            "assigned_judge": assigned,
            "unassigned_judge": unassigned,
            "other_contest_judge": elsewhere,
            "published_entrant": entrant,
        },
    }


def _url(row: Row, scene: dict) -> str:
    contest, entry, judged = scene["contest"], scene["entry"], scene["judged"]
    args: list[object] = {
        "": [],
        "slug": [contest.slug],
        "entry": [entry.pk],
        "assignment": [scene["assignment"].pk],
        "judged": [judged.slug],
        "judged+entry": [judged.slug, scene["judged_entry"].pk],
        "judged+assignment": [judged.slug, scene["assignment"].pk],
        "slug+status": [contest.slug, Contest.Status.JUDGING],
        "entry+revision": [entry.pk, 1],
        "preview": [scene["preview"]],
        "prompt": [scene["prompt"].pk],
        "prompt+slug": [scene["prompt"].pk, contest.slug],
    }.get(row.args, [])
    if row.args == "slug+task":
        args = [contest.slug, contest.sample_tasks.get(position=0).pk]
    return reverse(row.name, args=args)


def _post_data(row: Row, scene: dict) -> dict[str, object]:
    if row.name == "organiser_contest_transition":
        return {"to_status": Contest.Status.JUDGING}
    if row.name == "organiser_task_move":
        return {"direction": "down"}
    if row.name == "judging_assignment_waive":
        return {"reason": "不在のため"}
    if row.name == "gallery_unpublish":
        return {"reason": "内容を見直すため"}
    if row.name == "judging_assignment_add":
        return {"judge": scene["users"]["assigned_judge"].pk}
    return {}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("row", MATRIX, ids=[row.name for row in MATRIX])
def test_access(client: Client, scene: dict, row: Row, persona: str) -> None:
    if persona != "anonymous":
        client.force_login(scene["users"][persona])
    url = _url(row, scene)
    response = client.post(url, _post_data(row, scene)) if row.method == "post" else client.get(url)
    expected = row.expected(persona)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content[:300]
