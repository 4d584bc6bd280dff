#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    # Read the settings now: a refused value (no DJANGO_SECRET_KEY without DJANGO_DEBUG=1,
    # say) stops here with its own message. Django's command runner would otherwise keep
    # going and fail later with "Models aren't loaded yet", which names the wrong cause.
    settings.INSTALLED_APPS  # noqa: B018

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
