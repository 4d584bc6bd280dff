"""`make run`: the web server and a Celery worker (with beat) together; Ctrl-C stops both."""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web server and a Celery worker with beat; stop both on Ctrl-C."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--concurrency", default=os.environ.get("WORKER_CONCURRENCY", "8"))

    def handle(self, *args: Any, host: str, port: str, concurrency: str, **options: Any) -> None:
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        worker = subprocess.Popen(self.worker_command(concurrency))
        web = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"{host}:{port}", "--noreload"]
        )
        self.print_banner(host, port)
        try:
            while worker.poll() is None and web.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in (web, worker):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in (web, worker):
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write("Stopped the web server and the worker.")

    def worker_command(self, concurrency: str) -> list[str]:
        # Threads keep one process, so the local-memory cache (the RPM throttle) is shared
        # on a single machine; production runs separate prefork workers per queue.
        return [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--beat",
            "--queues", "celery,llm", "--pool", "threads", "--concurrency", concurrency,
            "--loglevel", "INFO",
            "--schedule", str(settings.VAR_DIR / "celerybeat-schedule"),
        ]  # fmt: skip

    def print_banner(self, host: str, port: str) -> None:
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
        self.stdout.write(
            self.style.SUCCESS(f"\nPrompt Contest is running at http://{host}:{port}/\n")
            + f"database: {database} · broker: {broker} · model provider: {settings.LLM_PROVIDER}\n"
            + "Demo logins are listed above (seed_demo). Press Ctrl-C to stop.\n"
        )
