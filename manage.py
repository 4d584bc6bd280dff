#!/usr/bin/env python
import os
import sys

# Commands that only compare the models with the migration files: they serve, sign and send
# nothing, so a fresh checkout runs them under the development defaults, without the
# DJANGO_SECRET_KEY and SITE_URL that production start-up rightly insists on.
CODE_ONLY_COMMANDS = {"makemigrations"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if sys.argv[1:2] and sys.argv[1] in CODE_ONLY_COMMANDS:
        os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    # Read the settings now: a refused value (no DJANGO_SECRET_KEY without DJANGO_DEBUG=1,
    # say) stops here with its own message. Django's command runner would otherwise keep
    # going and fail later with "Models aren't loaded yet", which names the wrong cause.
    settings.INSTALLED_APPS  # noqa: B018

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
