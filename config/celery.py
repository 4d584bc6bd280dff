"""The Celery application; workers start with `celery -A config worker -Q celery,llm`.

Every option lives in settings.py (`CELERY_*`); see DESIGN.md "Runs" for why the broker
only rings the bell.
"""

import os
from pathlib import Path
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("prompt_contest")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def make_broker_folders(sender: Celery, **kwargs: Any) -> None:
    """The embedded (filesystem) broker fails on folders that do not exist yet."""
    if not str(sender.conf.broker_url).startswith("filesystem://"):
        return
    options = sender.conf.broker_transport_options or {}
    for name in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        if options.get(name):
            Path(options[name]).mkdir(parents=True, exist_ok=True)
