"""The gallery's pages. Reading (list, detail, feed, export) is open to anonymous readers
when GALLERY_PUBLIC is on; every write (copy aside, which only counts) needs a sign-in."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest, HtmxHttpRequest
from accounts.models import User
from accounts.permissions import is_organiser, organiser_required
from contest import templating
from gallery import selectors, services
from gallery.cards import gallery_cards
from gallery.exchange import gallery_export
from gallery.forms import UnpublishForm, UseForm
from gallery.models import GalleryPrompt

PAGE_SIZE = 24
# Counting every match of a broad search would read them all; past this many the page says
# "more than" and the pages stop (a person narrows the search long before).
MAX_COUNTED = 1000
MAX_VALUE_CHARS = 4000
View = Callable[..., HttpResponse]


def gallery_readable(view: View) -> View:
    """Signed-in people always; anonymous readers only when GALLERY_PUBLIC is on."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.GALLERY_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


class CountedPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator told its count (the capped count of `selectors.gallery_count`)."""

    def __init__(self, object_list: QuerySet[GalleryPrompt], per_page: int, *, count: int):
        super().__init__(object_list, per_page)
        self.counted = count

    @cached_property
    def count(self) -> int:
        return self.counted


def _reader(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@require_GET
@gallery_readable
def gallery_list(request: HttpRequest) -> HttpResponse:
    organiser = is_organiser(request.user)
    listing = selectors.listing_from(request.GET.dict(), organiser=organiser)
    counted = selectors.gallery_count(listing, at_most=MAX_COUNTED + 1)
    page = CountedPaginator(selectors.gallery_prompts(listing), PAGE_SIZE, count=counted).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "gallery/list.html",
        {
            "page": page,
            "cards": gallery_cards(page.object_list),
            "listing": listing,
            "facets": selectors.gallery_facets(),
            # Every filter's chosen value, "" when none: a missing key costs Django's template
            # engine three exceptions and a dir() for each look-up.
            "chosen": {name: listing.filters.get(name, "") for name in selectors.FILTERS},
            "sorts": {key: sort[0] for key, sort in selectors.SORTS.items()},
            "filtered": bool(listing.q.strip() or listing.filters),
            "organiser": organiser,
            "more_than": MAX_COUNTED if page.paginator.count > MAX_COUNTED else None,
        },
    )


def filled_values(prompt: GalleryPrompt, params: dict[str, str]) -> tuple[dict[str, str], str]:
    """The variables' values (as asked, else their examples) and the finished prompt."""
    values = {
        variable["name"]: params.get(f"v_{variable['name']}", variable["example"])[:MAX_VALUE_CHARS]
        for variable in prompt.variables
    }
    parts = [prompt.system_prompt, prompt.prompt_template]
    return values, "\n\n".join(templating.render(part, values) for part in parts if part.strip())


def detail_context(
    request: HttpRequest, prompt: GalleryPrompt, params: dict[str, str]
) -> dict[str, object]:
    """The prompt page's context, its variables filled from `params` (the fill form's GET,
    or the POST of a try, so that a refused try keeps what was typed)."""
    reader = _reader(request)
    values, filled = filled_values(prompt, params)
    return {
        "prompt": prompt,
        "fields": [
            {**variable, "value": values[variable["name"]]} for variable in prompt.variables
        ],
        "filled": filled,
        "liked": selectors.liked_by(reader, prompt),
        "use_form": UseForm(),
        "unpublish_form": UnpublishForm() if reader and is_organiser(reader) else None,
    }


@require_GET
@gallery_readable
def gallery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    prompt = selectors.gallery_prompt_for(_reader(request), pk)
    context = detail_context(request, prompt, request.GET.dict())
    return render(request, "gallery/detail.html", context)


def _back(prompt_id: int) -> HttpResponse:
    return redirect("gallery_detail", pk=prompt_id)


@require_POST
@gallery_readable
def gallery_copy(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    prompt = selectors.gallery_prompt_for(_reader(request), pk)
    try:
        services.prompt_copy(prompt_id=prompt.pk)
    except ValidationError as error:
        if request.htmx or request.headers.get("X-Requested-With"):
            return HttpResponse(error.messages[0], status=409)
        messages.error(request, error.messages[0])
        return _back(prompt.pk)
    if request.htmx or request.headers.get("X-Requested-With"):
        return HttpResponse(status=204)
    return _back(prompt.pk)


def _like_response(request: AuthenticatedHttpRequest, prompt_id: int) -> HttpResponse:
    prompt = selectors.gallery_prompt_for(request.user, prompt_id)
    if request.htmx:
        return render(
            request,
            "gallery/includes/like.html",
            {"prompt": prompt, "liked": selectors.liked_by(request.user, prompt)},
        )
    return _back(prompt.pk)


@require_POST
@login_required
def gallery_like(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    prompt = selectors.gallery_prompt_for(request.user, pk)
    try:
        services.prompt_like(prompt_id=prompt.pk, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return _like_response(request, prompt.pk)


@require_POST
@login_required
def gallery_unlike(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    prompt = selectors.gallery_prompt_for(request.user, pk)
    services.prompt_unlike(prompt_id=prompt.pk, user=request.user)
    return _like_response(request, prompt.pk)


@require_POST
@login_required
def gallery_use(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    prompt = selectors.gallery_prompt_for(request.user, pk)
    form = UseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Minutes saved must be a whole number from 0 to 1440."))
        return _back(prompt.pk)
    try:
        services.prompt_use(
            prompt_id=prompt.pk, user=request.user, minutes_saved=form.cleaned_data["minutes_saved"]
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Thank you: your use is counted."))
    return _back(prompt.pk)


@require_POST
@organiser_required
def gallery_unpublish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    prompt = selectors.gallery_prompt_for(request.user, pk)
    form = UnpublishForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Say why the prompt is unpublished."))
        services.prompt_unpublish(
            prompt=prompt, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The prompt is unpublished: only organisers can see it now."))
    return _back(prompt.pk)


@require_POST
@organiser_required
def gallery_republish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    prompt = selectors.gallery_prompt_for(request.user, pk)
    try:
        services.prompt_republish(prompt=prompt)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return _back(prompt.pk)


@require_GET
@gallery_readable
def gallery_export_json(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(gallery_export(), json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = 'inline; filename="gallery-export.json"'
    return response
