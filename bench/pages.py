"""Organiser pages as a contest grows: queries and time per page at 100, 2,000 and 10,000 entries.

    python bench/pages.py [--entries 100 2000 10000] [--tasks 5] [--judges 20] [--repeat 5]

For each size it creates a test database of its own (the one DATABASE_URL names, with a
`test_` prefix and a `_pages_<size>` suffix) and builds one open contest with that many
submitted entries by 200 staff in ten departments, `--tasks` sample tasks, `--judges`
judges and a finished run of every entry on every task (a few failed, a few still queued
or held), then asks as an organiser for the organiser home, the contest's dashboard, its
entries page and its run monitor. The most recent 500 runs finished in the last ten
minutes at every size (the workers' throughput, not the contest's size, bounds how many
finish in a minute); the others finished earlier.

The sizes take turns request by request (a busy machine slows them alike). It prints each
page's query count and its median time, and the ratio of the largest size's time to the
smallest's. The ideal is 1.0 (a page that shows a fixed amount costs the same however many
entries are behind it); the target is at most 1.5. Query counts must be equal
at every size. Sizes come from `BENCH_PAGE_ENTRIES` (e.g. `100 2000`) as well.
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Department, User  # noqa: E402
from contest.models import Contest, Entry, EntryRevision, Run, SampleTask  # noqa: E402
from tests import factories  # noqa: E402

# The monitor keeps a big contest's totals for its 5 s refresh (contest/runs/selectors.py
# _kept_run_totals); this row counts them on every request, the cost of each refresh.
FRESH_MONITOR = "monitor, counted"
PAGES = ("organiser home", "contest dashboard", "entries", "run monitor", FRESH_MONITOR)
AUTHORS = 200
RECENT_RUNS = 500
TARGET_RATIO = 1.5
ORIGINAL_NAME = str(connection.settings_dict["NAME"])


def query_count(client: Client, url: str) -> int:
    reset_queries()  # the query log is bounded: a full one would count nothing
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def timed_get(client: Client, url: str) -> float:
    started = time.perf_counter()
    client.get(url)
    return time.perf_counter() - started


def use_database(name: str) -> None:
    """Point the default connection at one size's database."""
    connection.close()
    connection.settings_dict["NAME"] = name


def build_contest(entries: int, tasks: int, judges: int) -> Contest:
    """One open contest of `entries` submitted entries, each run on every task."""
    now = timezone.now()
    contest = factories.make_contest(
        slug="bench-pages", model_provider=Contest.Provider.OPENAI, yen_budget=Decimal(100_000),
        opens_at=now - timedelta(days=20), closes_at=now + timedelta(days=1),
    )  # fmt: skip
    departments = Department.objects.bulk_create(
        Department(code=f"B{n:02d}", name_ja=f"部署{n}", name_en=f"Dept {n}") for n in range(10)
    )
    authors = User.objects.bulk_create(
        User(email=f"author{n}@city.example.jp",
             display_name=f"職員{n}", department=departments[n % 10])
        for n in range(AUTHORS)
    )  # fmt: skip
    contest.judges.set(
        User.objects.bulk_create(
            User(email=f"judge{n}@city.example.jp",
                 display_name=f"審査員{n}", department=departments[n % 10])
            for n in range(judges)
        )
    )  # fmt: skip
    sample_tasks = SampleTask.objects.bulk_create(
        SampleTask(contest=contest, title=f"課題{n}", input=f"入力 {n}", position=n,
                   checks=[{"type": "max_chars", "value": 300}])
        for n in range(tasks)
    )  # fmt: skip
    made = Entry.objects.bulk_create(
        (
            Entry(contest=contest, author=authors[n % AUTHORS], title=f"応募 {n}",
                  status=Entry.Status.WITHDRAWN if n % 97 == 5 else Entry.Status.SUBMITTED,
                  prompt_template="{{input}} を要約してください。", revision=1,
                  submitted_at=now - timedelta(minutes=n))
            for n in range(entries)
        ),
        batch_size=2000,
    )  # fmt: skip
    revisions = EntryRevision.objects.bulk_create(
        (
            EntryRevision(entry=entry, number=1, title=entry.title,
                          prompt_template=entry.prompt_template)
            for entry in made
        ),
        batch_size=2000,
    )  # fmt: skip
    total = entries * tasks

    def run(n: int, entry: Entry, revision: EntryRevision, task: SampleTask) -> Run:
        # The newest runs (highest n) are the ones that finished in the last ten minutes.
        age = total - n
        status = Run.Status.SUCCEEDED
        if n % 53 == 0:
            status = Run.Status.FAILED
        elif age <= 10:
            status = Run.Status.QUEUED
        elif n % 211 == 0:
            status = Run.Status.HELD
        finished = status in (Run.Status.SUCCEEDED, Run.Status.FAILED)
        if age <= RECENT_RUNS:
            finished_at = now - timedelta(seconds=age * 500 / RECENT_RUNS)
        else:
            finished_at = now - timedelta(minutes=11) - timedelta(seconds=age * 20)
        return Run(
            entry=entry, contest=contest, revision=revision, sample_task=task, status=status,
            provider="openai",
            model="gpt-4o-mini", temperature=0.2, max_tokens=800,
            messages=[{"role": "user", "content": f"入力 {n}"}],
            output="要約です。" if finished else "", prompt_tokens=120, completion_tokens=80,
            cost_yen=Decimal("0.0100"), attempts=1,
            error_code="server_error" if status == Run.Status.FAILED else "",
            error="一時的な問題" if status == Run.Status.FAILED else "",
            check_results=[{"type": "max_chars", "value": 300, "passed": True}],
            checks_passed=True if finished else None,
            started_at=finished_at - timedelta(seconds=1) if finished else None,
            finished_at=finished_at if finished else None,
        )  # fmt: skip

    def runs():
        n = 0
        for entry, revision in zip(made, revisions, strict=True):
            for task in sample_tasks:
                yield run(n, entry, revision, task)
                n += 1

    Run.objects.bulk_create(runs(), batch_size=5000)
    with connection.cursor() as cursor:
        # As after autovacuum in production: the planner knows the tables' sizes.
        if connection.vendor == "postgresql":
            for table in ("contest_run", "contest_entry", "contest_entryrevision"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
    return contest


@dataclass
class Size:
    entries: int
    database: str
    client: Client
    urls: dict[str, str]


def build_size(entries: int, tasks: int, judges: int) -> Size:
    """A database of its own holding one contest of this size, and an organiser's client."""
    test_settings = connection.settings_dict.setdefault("TEST", {})
    base = str(test_settings.get("NAME") or f"test_{ORIGINAL_NAME}")
    test_settings["NAME"] = f"{base}_pages_{entries}"
    database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    started = time.perf_counter()
    contest = build_contest(entries, tasks, judges)
    print(f"  {entries} entries: contest built in {time.perf_counter() - started:.1f} s")
    organiser = factories.give_authenticator_app(factories.make_user(is_organiser=True))
    client = Client()
    client.force_login(organiser)
    urls = {
        "organiser home": reverse("organiser_home"),
        "contest dashboard": reverse("organiser_contest", args=[contest.slug]),
        "entries": reverse("organiser_entries", args=[contest.slug]),
        "run monitor": reverse("run_monitor", args=[contest.slug]),
        FRESH_MONITOR: reverse("run_monitor", args=[contest.slug]),
    }
    return Size(entries, database, client, urls)


def measure(sizes: list[Size], repeat: int) -> dict[tuple[int, str], tuple[int, float]]:
    """(queries, median seconds) per size and page.

    The sizes take turns, request by request, so a machine busy with something else slows
    every size alike rather than whichever was being measured at the time.
    """
    counts: dict[tuple[int, str], int] = {}
    times: dict[tuple[int, str], list[float]] = {}
    for round_number in range(repeat + 1):
        for page in PAGES:
            for size in sizes:
                use_database(size.database)
                url = size.urls[page]
                if round_number == 0:  # a warm-up, then the queries of a warm request
                    size.client.get(url)
                    if page == FRESH_MONITOR:
                        cache.clear()
                    counts[size.entries, page] = query_count(size.client, url)
                    continue
                size.client.get(url)  # the connection is opened by an untimed request
                if page == FRESH_MONITOR:
                    cache.clear()
                times.setdefault((size.entries, page), []).append(timed_get(size.client, url))
    return {key: (counts[key], statistics.median(times[key])) for key in counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_sizes = [int(n) for n in os.environ.get("BENCH_PAGE_ENTRIES", "100 2000 10000").split()]
    parser.add_argument("--entries", type=int, nargs="+", default=default_sizes)
    parser.add_argument("--tasks", type=int, default=5)
    parser.add_argument("--judges", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()

    # As in production: no query log or debug pages in the way of the timings.
    setup_test_environment(debug=False)
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite's test databases are there
    sizes: list[Size] = []
    try:
        for entries in options.entries:
            sizes.append(build_size(entries, options.tasks, options.judges))
        measured = measure(sizes, options.repeat)
    finally:
        for size in sizes:
            use_database(size.database)
            connection.creation.destroy_test_db(ORIGINAL_NAME, verbosity=0)

    smallest, largest = min(options.entries), max(options.entries)
    print(f"\norganiser pages ({connection.vendor}), median of {options.repeat} requests")
    header = "".join(f"{f'{n} entries':>22}" for n in options.entries)
    print(f"{'page':<18}{header}   time {largest}/{smallest} (ideal 1.0, target ≤ {TARGET_RATIO})")
    for page in PAGES:
        cells = [
            f"{q:>4} queries {t * 1000:>6.1f} ms"
            for q, t in (measured[n, page] for n in options.entries)
        ]
        ratio = measured[largest, page][1] / measured[smallest, page][1]
        counts = {measured[n, page][0] for n in options.entries}
        verdict = "queries equal" if len(counts) == 1 else "queries NOT EQUAL"
        if page == "run monitor" and len(counts) == 2:
            verdict = "one query fewer where the totals are kept"
        row = "".join(f"{cell:>22}" for cell in cells)
        print(f"{page:<18}{row}   {ratio:.2f}  {verdict}")


if __name__ == "__main__":
    main()
