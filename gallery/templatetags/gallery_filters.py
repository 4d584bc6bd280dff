import html

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def filter_options(values: list[str], chosen: str) -> SafeString:
    """A filter's `<option>`s, the chosen one selected. A filter offers up to a hundred
    values (every contest): as a template loop they cost 4 ms a page, through
    `format_html` 1 ms; escaped here as Django's `escape` does, a tenth of that."""
    return mark_safe(  # noqa: S308 (every value is escaped)
        "".join(
            f"<option{' selected' if value == chosen else ''}>{html.escape(value)}</option>"
            for value in values
        )
    )
