"""A real Celery worker process for the integration tests, and what they need around it.

The worker runs `celery -A config worker` against the test database (the one pytest-django
created, reached through DATABASE_URL) and a broker the test names; the test process
publishes to the same broker through a Celery app of its own, made current for the test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection

from config.celery import app as project_app
from contest.models import Contest, Entry, EntryRevision, Run
from contest.runs.services import runs_create_for_revision
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def worker_database_url() -> str:
    """DATABASE_URL for the database pytest-django created (call it inside a DB test)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "")
        if db.get("PASSWORD"):
            credentials += ":" + quote(db["PASSWORD"])
        at = f"{credentials}@" if credentials else ""
        return f"postgres://{at}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    raise RuntimeError(f"no worker DATABASE_URL for {connection.vendor}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Worker:
    """`celery -A config worker -Q celery,llm` in its own process group."""

    def __init__(self, env: dict[str, str], log_path: Path, concurrency: int = 8) -> None:
        self.env = env
        self.log_path = log_path
        self.concurrency = concurrency
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 45) -> Worker:
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "-Q", "celery,llm", "--pool", "threads", "-c", str(self.concurrency),
            "--without-heartbeat", "--without-gossip", "--without-mingle",
            "--loglevel", "INFO", "-n", f"test-{uuid.uuid4().hex[:8]}@%h",
        ]  # fmt: skip
        start_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group, so a kill takes every thread with it
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited with {self.process.returncode}:\n{self.tail()}")
            if b" ready." in self.log_path.read_bytes()[start_offset:]:
                return self
            time.sleep(0.1)
        pytest.fail(f"the worker did not start in {timeout}s:\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no goodbye, no acknowledgement, nothing given back to the broker."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return "(no worker log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


class RedisServer:
    """A redis-server of the test's own, with no persistence: a restart loses every
    message, as a broker that died would."""

    def __init__(self, *, port: int, folder: Path) -> None:
        self.port = port
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen(
            command, cwd=self.folder, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if time.monotonic() > deadline or self.process.poll() is not None:
                pytest.fail(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False


def worker_env(*, broker_url: str, llm_base_url: str, **overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": broker_url,
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": llm_base_url,
        "LLM_PROVIDER": "openai",
        "LLM_READ_TIMEOUT": "10",
        "LLM_RETRY_BASE_SECONDS": "0.05",
        "LLM_RETRY_MAX_SECONDS": "0.5",
        "LLM_REQUESTS_PER_MINUTE": "0",
        "CACHE_URL": "",
        "LOG_LEVEL": "INFO",
    }
    env.update(overrides)
    return env


@contextmanager
def publishing_to(
    broker_url: str, transport_options: dict[str, Any] | None = None
) -> Iterator[Celery]:
    """Make this thread's current Celery app publish to the test's broker."""
    app = Celery("integration-tests", set_as_current=False)
    app.conf.update(
        broker_url=broker_url,
        broker_transport=(
            settings.FILESYSTEM_BROKER_TRANSPORT if broker_url.startswith("filesystem://") else None
        ),
        broker_transport_options=transport_options or {},
        broker_connection_retry_on_startup=True,
        task_routes=settings.CELERY_TASK_ROUTES,
        task_serializer="json",
        accept_content=["json"],
    )
    app.set_current()
    try:
        yield app
    finally:
        project_app.set_current()
        app.close()


# --- Data -------------------------------------------------------------------------------------


def make_contest(*, tasks: int) -> Contest:
    organiser = factories.make_user(is_organiser=True)
    contest = factories.make_contest(created_by=organiser, model_provider="openai")
    for n in range(tasks):
        factories.make_task(
            contest,
            title=f"課題{n}",
            input=f"令和7年度 第{n}号通知: 納付期限は6月30日です。",
            checks=[{"type": "contains", "value": "reply"}],
        )
    return contest


def submit_entries(contest: Contest, count: int) -> list[Run]:
    """Entries with distinct prompts, each submitted (its runs published on commit)."""
    created = []
    for _ in range(count):
        tag = uuid.uuid4().hex[:8]  # distinct prompts: no answer comes from the response cache
        entry = factories.make_entry(
            contest,
            factories.make_user(),
            prompt_template=f"[{tag}] 次の通知を3行で要約してください。\n{{{{input}}}}",
        )
        revision = EntryRevision.objects.create(
            entry=entry, number=1, title=entry.title, system_prompt=entry.system_prompt,
            prompt_template=entry.prompt_template,
        )  # fmt: skip
        Entry.objects.filter(pk=entry.pk).update(revision=1, status=Entry.Status.SUBMITTED)
        created += runs_create_for_revision(revision=revision)
    return created


def status_counts() -> Counter[str]:
    return Counter(Run.objects.values_list("status", flat=True))


def wait_until(
    condition: Callable[[], bool],
    *,
    timeout: float,
    worker: Worker,
    every: float = 0.2,
    between: Callable[[], None] | None = None,
) -> float:
    """Poll the database until `condition` holds; on timeout fail with the worker's log."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(
                f"timed out after {timeout}s; runs by status: {dict(status_counts())}\n"
                f"--- worker log tail ---\n{worker.tail()}"
            )
        if between is not None:
            between()
        time.sleep(every)
    return time.monotonic() - started


def all_finished() -> bool:
    return not Run.objects.filter(status__in=Run.PENDING).exists()
