from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _search_index_ensure(using: str = "default", **kwargs: Any) -> None:
    from gallery.search_index import search_index_ensure

    search_index_ensure(connections[using])


class GalleryConfig(AppConfig):
    name = "gallery"
    verbose_name = _("Gallery")

    def ready(self) -> None:
        """Plug the gallery into the contest without contest importing it: publishing a
        contest publishes its prompts (same transaction), and the demo publishes its earlier
        contest and imports a second municipality's export."""
        from contest import extensions
        from contest.models import Contest
        from gallery import sections, starting
        from gallery.demo import seed_gallery
        from gallery.publishing import contest_publish

        post_migrate.connect(_search_index_ensure, sender=self)
        extensions.register_transition_effect(Contest.Status.PUBLISHED, contest_publish)
        extensions.register_demo_step(seed_gallery)
        extensions.register_entry_section(
            "gallery/sections/entry_source.html", starting.entry_source_section
        )
        extensions.register_section(
            extensions.ORGANISER_DASHBOARD,
            "gallery/sections/organiser_dashboard.html",
            sections.organiser_dashboard,
        )
