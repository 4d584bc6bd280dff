"""Who to contact when something goes wrong, for pages that may have no request (500)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def support_contact() -> str:
    return str(settings.SUPPORT_CONTACT)
