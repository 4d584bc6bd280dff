"""`/gallery/feed/`: an Atom feed of the newest published prompts (syndication framework)."""

from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from gallery.models import GalleryPrompt

FEED_ITEMS = 30


class GalleryFeed(Feed[GalleryPrompt, None]):
    feed_type = Atom1Feed

    def title(self) -> str:
        return _("%(site)s: new prompts in the gallery") % {"site": settings.SITE_NAME}

    def link(self) -> str:
        return reverse("gallery_list")

    def subtitle(self) -> str:
        return _("Prompts published from contests, and shared by other organisations.")

    def items(self) -> QuerySet[GalleryPrompt]:
        return GalleryPrompt.objects.published().order_by("-published_at", "-pk")[:FEED_ITEMS]

    def item_title(self, item: GalleryPrompt) -> str:
        return item.title

    def item_description(self, item: GalleryPrompt) -> str:
        return item.purpose

    def item_link(self, item: GalleryPrompt) -> str:
        return reverse("gallery_detail", args=[item.pk])

    def item_guid(self, item: GalleryPrompt) -> str:
        return f"urn:uuid:{item.uid}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: GalleryPrompt) -> datetime:
        return item.published_at

    def item_updateddate(self, item: GalleryPrompt) -> datetime:
        return item.published_at

    def item_author_name(self, item: GalleryPrompt) -> str:
        return item.credit_name or item.credit_department or item.organisation

    def item_categories(self, item: GalleryPrompt) -> list[str]:
        return [item.category] if item.category else []

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> None:
        return None
