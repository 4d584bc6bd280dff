"""Who to contact when something goes wrong (SUPPORT_CONTACT: division, extension, address).

One tag for every page and e-mail that says "please contact …", including the 500 page,
which is rendered without a request: `{% support_contact as contact %}`, then a sentence
of its own around `{{ contact }}`. Without the setting it names the contest organisers.
"""

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def support_contact() -> str:
    return str(settings.SUPPORT_CONTACT) or _("the contest organisers")
