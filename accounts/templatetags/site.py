"""The site's name in templates, with or without a request (the 500 page has none)."""

from django import template

from accounts import site

register = template.Library()


@register.simple_tag
def site_name() -> str:
    return site.site_name()
