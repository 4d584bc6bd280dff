"""What the gallery adds to the contest's pages, registered in `GalleryConfig.ready()`: the
links to a contest's impact figures and its printable prompt book on the organiser's
contest page. No query."""

from typing import Any

from accounts.models import User
from accounts.permissions import is_organiser
from contest.models import Contest


def organiser_dashboard(user: User, contest: Contest | None) -> dict[str, Any] | None:
    if contest is None or not is_organiser(user) or contest.status == Contest.Status.DRAFT:
        return None
    return {"contest": contest, "published": contest.status == Contest.Status.PUBLISHED}
