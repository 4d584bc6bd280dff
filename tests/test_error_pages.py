"""403, 404 and 500 pages in the site's layout and the reader's language, with nothing
internal in them; and the headers every response carries (Permissions-Policy, and
Cache-Control on what a signed-in person sees)."""

from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, include, path, reverse
from PIL import Image

from accounts.models import User
from contest.images import clean_image
from contest.models import Contest
from tests import factories

SECRET = "db-password-hunter2 at /srv/app/contest/services.py line 42"


def _fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET)


def _refuses(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(SECRET)


# The site's own URLs, and two that fail on purpose (used with pytest.mark.urls).
urlpatterns: list[URLPattern | URLResolver] = [
    path("test-errors/fails/", _fails),
    path("test-errors/refuses/", _refuses),
    path("", include("config.urls")),
]
with_failing_views = pytest.mark.urls(__name__)


def _in_the_layout(page: str) -> bool:
    return (
        '<header class="site-header">' in page
        and '<footer class="site-footer">' in page
        and '<a class="button" href="/">' in page
    )


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


# --- 404 ----------------------------------------------------------------------------------


@override_settings(DEBUG=False)
def test_404_is_in_the_layout_in_japanese(client: Client, db: None) -> None:
    response = client.get("/no-such-page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert _in_the_layout(page)
    assert '<html lang="ja">' in page
    assert "ページが見つかりません" in page
    assert "問題が続く場合は、コンテストの運営担当者までご連絡ください。" in page


@override_settings(DEBUG=False)
def test_404_is_in_english_for_an_english_reader(client: Client, db: None) -> None:
    response = client.get("/no-such-page/", headers={"Accept-Language": "en"})

    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Page not found" in page
    assert "If this keeps happening, please contact the contest organisers." in page


@override_settings(DEBUG=False, SUPPORT_CONTACT="デジタル推進課（内線 2345）")
def test_error_pages_name_the_configured_contact(client: Client, db: None) -> None:
    page = client.get("/no-such-page/").content.decode()

    assert "問題が続く場合は、デジタル推進課（内線 2345）までご連絡ください。" in page


@override_settings(DEBUG=False)
def test_404_does_not_echo_the_address(client: Client, staff: User) -> None:
    client.force_login(staff)

    page = client.get('/entries/999999/probe-"<b>xyz/').content.decode()

    assert "probe" not in _main(page)
    assert "999999" not in _main(page)
    # Only the language switch carries the address, to come back to it, URL-encoded.
    assert page.count("probe") == 1
    assert 'value="/entries/999999/probe-%22%3Cb%3Exyz/"' in page
    assert staff.label in page  # the signed-in header: the page has its request


@override_settings(DEBUG=False)
def test_a_private_entry_and_a_missing_one_show_the_same_page(
    client: Client, staff: User, other_staff: User, open_contest: Contest
) -> None:
    entry = factories.make_entry(open_contest, staff)
    client.force_login(other_staff)

    private = client.get(reverse("entry_detail", args=[entry.pk]))
    missing = client.get(reverse("entry_detail", args=[entry.pk + 1000]))

    assert private.status_code == missing.status_code == 404
    assert _main(private.content.decode()) == _main(missing.content.decode())


# --- 403 ----------------------------------------------------------------------------------


@override_settings(DEBUG=False)
def test_403_is_in_the_layout_in_both_languages(client: Client, staff: User) -> None:
    client.force_login(staff)

    response = client.get("/organise/")
    page = response.content.decode()
    assert response.status_code == 403
    assert _in_the_layout(page)
    assert "このページは開けません" in page

    client.cookies["django_language"] = "en"
    page = client.get("/organise/").content.decode()
    assert "You cannot open this page" in page
    assert '<html lang="en">' in page


@with_failing_views
@override_settings(DEBUG=False)
def test_403_does_not_show_the_reason_given_in_the_code(client: Client, staff: User) -> None:
    client.force_login(staff)

    response = client.get("/test-errors/refuses/")

    assert response.status_code == 403
    assert "hunter2" not in response.content.decode()


# --- 500 ----------------------------------------------------------------------------------


@with_failing_views
@override_settings(DEBUG=False)
def test_500_is_in_the_layout_with_no_trace_of_the_error(db: None) -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/test-errors/fails/")

    page = response.content.decode()
    assert response.status_code == 500
    assert _in_the_layout(page)
    assert "システムでエラーが発生しました" in page
    for internal in ["hunter2", "RuntimeError", "Traceback", "services.py", "/srv/"]:
        assert internal not in page


@with_failing_views
@override_settings(DEBUG=False)
def test_500_is_in_english_for_an_english_reader_even_when_signed_in(staff: User) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    client.cookies["django_language"] = "en"

    response = client.get("/test-errors/fails/")

    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    # Rendered without the request: no form that would need a CSRF token, no user.
    assert 'action="/i18n/setlang/"' not in page
    assert staff.label not in page


# --- Headers ------------------------------------------------------------------------------


def _png_upload() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile("screen.png", buffer.getvalue(), content_type="image/png")


def test_every_page_switches_off_the_browser_features_it_does_not_use(
    client: Client, staff: User
) -> None:
    anonymous = client.get("/")["Permissions-Policy"]
    client.force_login(staff)
    signed_in = client.get("/contests/")["Permissions-Policy"]

    assert anonymous == signed_in
    features = dict(item.strip().split("=", 1) for item in signed_in.split(","))
    for feature in ["camera", "microphone", "geolocation", "payment", "usb", "interest-cohort"]:
        assert features[feature] == "()"
    assert features["clipboard-write"] == "(self)"  # pages copy prompts


def test_signed_in_pages_are_not_kept_by_any_cache(client: Client, staff: User) -> None:
    client.force_login(staff)

    for url in ["/", "/contests/", "/accounts/profile/"]:
        assert client.get(url)["Cache-Control"] == "private, no-store", url


@override_settings(DEBUG=False)
def test_error_pages_for_a_signed_in_person_are_not_cached_either(
    client: Client, staff: User
) -> None:
    client.force_login(staff)

    assert client.get("/no-such-page/")["Cache-Control"] == "private, no-store"


def test_anonymous_pages_keep_the_default(client: Client, db: None) -> None:
    response = client.get("/")

    assert "no-store" not in response.get("Cache-Control", "")


def test_a_response_with_its_own_cache_header_keeps_it(
    client: Client, staff: User, open_contest: Contest
) -> None:
    entry = factories.make_entry(open_contest, staff)
    image = clean_image(_png_upload())
    entry.image.save(str(image.content.name), image.content, save=True)
    client.force_login(staff)

    assert client.get(reverse("entry_image", args=[entry.pk]))["Cache-Control"] == (
        "private, max-age=3600"
    )
    assert "no-cache" in client.get("/healthz")["Cache-Control"]
