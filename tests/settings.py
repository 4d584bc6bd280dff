"""The settings pytest and mypy load: config/settings.py, with DEBUG on unless the
environment already says otherwise. Nothing else differs.

DEBUG is off unless asked for (config/settings.py), and the suite asks for it so that the
development defaults hold: the development secret key, plain static file storage (no
manifest to build first), no redirect to HTTPS. pytest-django still runs every test with
`settings.DEBUG = False`, as Django's own runner does.

pytest-django imports this module before any conftest, which is why it is a settings
module and not a fixture. Both variables go into `os.environ`, so that the processes the
tests start (Celery workers, `manage.py` in a subprocess, in a copy of the project that
has no tests/) load config/settings.py with DJANGO_DEBUG=1: the same values as here.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"

from config.settings import *  # noqa: F403
