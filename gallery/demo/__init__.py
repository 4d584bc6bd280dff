"""The gallery's part of `seed_demo`: publish the demo's earlier contest, and import the
export of a second, fictional municipality (かもめ台町), so the gallery, its search, its
filters and its feed have something to show on the first run.

Registered with `contest.extensions.register_demo_step` after judging's step (apps run in
INSTALLED_APPS order), which leaves the earlier contest at `results`. Both go through the
real code: the lifecycle (whose move to `published` runs the publishing effect) and the
importer of `import_gallery`.
"""

import json
from collections.abc import Mapping
from pathlib import Path

from django.utils.translation import gettext as _

from accounts.models import User
from contest.models import Contest
from contest.organise.lifecycle import contest_transition
from gallery.exchange import gallery_import
from gallery.models import GalleryPrompt
from judging.demo import DATA as EARLIER_CONTEST

SECOND_ORGANISATION = Path(__file__).resolve().parent / "kamome.json"


def seed_gallery(people: Mapping[str, User]) -> list[str]:
    slug = json.loads(EARLIER_CONTEST.read_text(encoding="utf-8"))["bundle"]["slug"]
    contest = Contest.objects.filter(slug=slug, status=Contest.Status.RESULTS).first()
    lines = []
    if contest is not None:
        contest_transition(contest=contest, to_status=Contest.Status.PUBLISHED)
        published = GalleryPrompt.objects.filter(contest=contest).count()
        lines.append(
            _("Gallery: %(title)s published, %(count)d prompts.")
            % {"title": contest.title, "count": published}
        )
    data = json.loads(SECOND_ORGANISATION.read_text(encoding="utf-8"))
    outcome = gallery_import(data=data)
    lines.append(
        _("Gallery: %(count)d prompts imported from %(organisation)s.")
        % {"count": outcome.created + outcome.updated, "organisation": data["organisation"]}
    )
    return lines
