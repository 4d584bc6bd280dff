""" "Try it" on a gallery prompt: the person's own values for its variables, one preview
run through the same engine as contest runs (`gallery.services.prompt_try`), its output
shown when done. With htmx only the try's area is swapped (and polls while the run is
pending); without JavaScript the prompt page is drawn again with the area filled in.
Either way a refusal keeps everything typed."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from contest.runs.previews import preview_runs
from contest.runs.selectors import preview_grid
from gallery import selectors, services
from gallery.views import detail_context, filled_values


@require_POST
@login_required
def gallery_try(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    prompt = selectors.gallery_prompt_for(request.user, pk)
    params = request.POST.dict()
    values, _filled = filled_values(prompt, params)
    key: UUID | None = None
    refusals: list[str] = []
    try:
        key = services.prompt_try(prompt=prompt, user=request.user, values=values)
    except ValidationError as error:
        refusals = error.messages
    area = {
        "try_refusals": refusals,
        "grid": preview_grid(preview_runs(user=request.user, preview_key=key)) if key else None,
        "preview_key": key,
    }
    if request.htmx:
        return render(request, "gallery/includes/try_area.html", {"prompt": prompt, **area})
    context = {**detail_context(request, prompt, params), **area}
    return render(request, "gallery/detail.html", context)
