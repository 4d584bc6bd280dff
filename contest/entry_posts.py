"""What every page that makes an entry from a posted entry form does around the form: the
contest's own form and the gallery's "use as a starting point" share these steps."""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from contest import selectors, uploads
from contest.forms import EntryForm
from contest.models import Contest, Entry


def _posted_token(request: AuthenticatedHttpRequest) -> UUID | None:
    try:
        return UUID(request.POST.get("form_token", ""))
    except ValueError:
        return None


def resent_form_redirect(request: AuthenticatedHttpRequest) -> HttpResponse | None:
    """A second post of the same form (double click, resent page) goes to the entry the
    first made; None for a form not sent before."""
    existing = selectors.entry_by_form_token(author=request.user, form_token=_posted_token(request))
    if existing is None:
        return None
    messages.info(request, _("This form was already sent; here is the entry it created."))
    return redirect("entry_detail", existing.pk)


def bound_entry_form(
    request: AuthenticatedHttpRequest, contest: Contest, entry: Entry | None = None
) -> EntryForm:
    """The posted form; an image cut off for its size is refused by the form itself."""
    return EntryForm(
        request.POST,
        request.FILES,
        contest=contest,
        author=request.user,
        entry=entry,
        image_too_large=uploads.refused_upload(request) is not None,
    )


def refuse_on_form(form: EntryForm, error: ValidationError) -> None:
    """Show a rule the services enforced on the form, with everything typed kept."""
    if hasattr(error, "error_dict"):
        form.add_error(None, error)
    else:
        for message in error.messages:
            form.add_error(None, message)
    form.keep_image_for_next_post()


def created_entry_redirect(
    request: AuthenticatedHttpRequest, entry: Entry, *, submitted: bool
) -> HttpResponse:
    """To the new entry's page, saying whether it was entered or kept as a draft."""
    if submitted:
        messages.success(
            request,
            _("Your entry was submitted. It is now being run on the contest's sample tasks."),
        )
    else:
        messages.success(
            request,
            _("Your draft was saved. It is not entered until you press “Submit entry”."),
        )
    return redirect("entry_detail", entry.pk)
