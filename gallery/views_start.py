""" "Use as a starting point": choose an open contest, then the ordinary entry form,
pre-filled from the gallery prompt (the work is in gallery.starting)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from contest import entry_posts, images, pending_images, rules, selectors, services, uploads
from contest.forms import ACTION_SUBMIT, EntryForm
from contest.models import Contest
from contest.templating import tag
from gallery.models import GalleryPrompt
from gallery.starting import entry_initial_from_prompt, entry_start_from_prompt, start_contests


def _published_prompt(pk: int) -> GalleryPrompt:
    return get_object_or_404(GalleryPrompt.objects.published(), pk=pk)


@login_required
@require_GET
def gallery_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Which open contest to enter with this prompt; straight to the form when only one."""
    prompt = _published_prompt(pk)
    contests = start_contests()
    if len(contests) == 1:
        return redirect("gallery_start_entry", pk=prompt.pk, slug=contests[0].slug)
    return render(request, "gallery/start_choose.html", {"prompt": prompt, "contests": contests})


def _render_form(
    request: AuthenticatedHttpRequest, form: EntryForm, prompt: GalleryPrompt, contest: Contest
) -> HttpResponse:
    coverage = selectors.contest_placeholders(contest)
    return render(
        request,
        "gallery/start_form.html",
        {
            "form": form,
            "prompt": prompt,
            "contest": contest,
            "placeholder_tags": [tag(name) for name in coverage.available],
            "submit_label": _("Submit entry"),
        },
    )


@uploads.upload_limit(images.MAX_IMAGE_BYTES)
@login_required
@require_http_methods(["GET", "POST"])
def gallery_start_entry(request: AuthenticatedHttpRequest, pk: int, slug: str) -> HttpResponse:
    prompt = _published_prompt(pk)
    contest = selectors.contest_for_viewer(request.user, slug)
    if request.method == "GET":
        refusal = rules.entry_start_refusal(contest=contest, author=request.user)
        if refusal:
            messages.error(request, refusal)
            return redirect("gallery_start", pk=prompt.pk)
        form = EntryForm(
            contest=contest,
            author=request.user,
            initial=entry_initial_from_prompt(prompt=prompt, contest=contest),
        )
        return _render_form(request, form, prompt, contest)

    resent = entry_posts.resent_form_redirect(request)
    if resent is not None:
        return resent
    form = entry_posts.bound_entry_form(request, contest)
    if not form.is_valid():
        form.keep_image_for_next_post()
        return _render_form(request, form, prompt, contest)
    try:
        entry = entry_start_from_prompt(
            prompt=prompt,
            contest=contest,
            author=request.user,
            data=form.entry_data(),
            form_token=form.token,
            submit=form.action == ACTION_SUBMIT,
        )
    except services.EntryFormUsedError as used:
        return redirect("entry_detail", used.entry.pk)
    except ValidationError as error:
        entry_posts.refuse_on_form(form, error)
        return _render_form(request, form, prompt, contest)
    pending_images.pending_image_delete(author_id=request.user.pk, form_token=form.token)
    return entry_posts.created_entry_redirect(
        request, entry, submitted=form.action == ACTION_SUBMIT
    )
