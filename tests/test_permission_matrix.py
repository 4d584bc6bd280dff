"""Who may reach which URL: every named route × anonymous, author, other staff, organiser.

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
from PIL import Image

from accounts.models import User
from contest.images import clean_image
from contest.models import Contest, Entry
from contest.services import entry_submit
from tests import factories

LOGIN = "login"  # a redirect to the sign-in page
PERSONAS = ("anonymous", "author", "other_staff", "organiser")


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    args: str  # "", "slug", "entry", "slug+task", "slug+status"
    anonymous: int | str
    author: int | str
    other_staff: int | str
    organiser: int | str


ORGANISER_ONLY: dict[str, int | str] = {"anonymous": LOGIN, "author": 403, "other_staff": 403}
ENTRY_PRIVATE: dict[str, int | str] = {"anonymous": LOGIN, "other_staff": 404}

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
    Row("gallery_list", "get", "", LOGIN, 200, 200, 200),
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


@pytest.fixture
def scene(staff: User, other_staff: User, organiser: User, open_contest: Contest) -> dict:
    entry = factories.make_entry(
        open_contest, staff, prompt_template="次の文章を要約してください。\n{{input}}"
    )
    image = clean_image(_png_upload())
    entry.image.save(str(image.content.name), image.content, save=False)
    entry.thumbnail.save(str(image.thumbnail.name), image.thumbnail, save=False)
    entry.save()
    entry_submit(entry=entry)
    entry.runs.update(status="failed", error="test")
    return {
        "contest": open_contest,
        "entry": entry,
        "users": {"author": staff, "other_staff": other_staff, "organiser": organiser},
    }


def _url(row: Row, contest: Contest, entry: Entry) -> str:
    if row.args == "slug":
        return reverse(row.name, args=[contest.slug])
    if row.args == "entry":
        return reverse(row.name, args=[entry.pk])
    if row.args == "slug+status":
        return reverse(row.name, args=[contest.slug, Contest.Status.JUDGING])
    if row.args == "slug+task":
        task = contest.sample_tasks.get(position=0)
        return reverse(row.name, args=[contest.slug, task.pk])
    return reverse(row.name)


def _post_data(row: Row, contest: Contest) -> dict[str, str]:
    if row.name == "organiser_contest_transition":
        return {"to_status": Contest.Status.JUDGING}
    if row.name == "organiser_task_move":
        return {"direction": "down"}
    return {}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("row", MATRIX, ids=[row.name for row in MATRIX])
def test_access(client: Client, scene: dict, row: Row, persona: str) -> None:
    contest, entry = scene["contest"], scene["entry"]
    if persona != "anonymous":
        client.force_login(scene["users"][persona])
    url = _url(row, contest, entry)
    if row.method == "post":
        response = client.post(url, _post_data(row, contest))
    else:
        response = client.get(url)
    expected = getattr(row, persona)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content[:300]
