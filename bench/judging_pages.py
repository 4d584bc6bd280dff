"""Judging pages at 100 and at 2,000 entries: queries and time per page.

    python bench/judging_pages.py [--entries 100 2000] [--judges 40] [--k 3] [--repeat 3]

For each size it builds, in a fresh test database (the one DATABASE_URL names, with a
`test_` prefix), a contest with that many submitted entries, their runs on two sample tasks,
`--judges` judges in ten departments, moves it to judging through the real lifecycle (so
the assignment is the service's own), submits every sheet but half of one judge's, then
asks for the score sheet page (as that judge) and the results page (as an organiser). It
prints each page's query count and its median time. The query counts must be equal at
every size: a page whose queries grow with the entries shows it here first.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from judging.models import Assignment  # noqa: E402
from tests import factories  # noqa: E402
from tests.judging.scenes import judged_contest, score_everything  # noqa: E402


def measure(client: Client, url: str, repeat: int) -> tuple[int, float]:
    """(queries of one request, median seconds over `repeat` requests)."""
    reset_queries()  # the query log is bounded: a full one would count nothing
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    # Counted now: the next request empties the query log.
    count = len(queries)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    return count, statistics.median(times)


def pages(entries: int, judges: int, k: int, repeat: int) -> dict[str, tuple[int, float]]:
    started = time.perf_counter()
    scene = judged_contest(entries=entries, judges=judges, k=k, departments=10)
    judge = scene.judges[0]
    mine = list(Assignment.objects.filter(judge=judge).order_by("pk").values_list("pk", flat=True))
    score_everything(scene.contest)
    Assignment.objects.filter(pk__in=mine[len(mine) // 2 :]).update(status=Assignment.Status.OPEN)
    print(f"  {entries} entries: contest built in {time.perf_counter() - started:.1f} s")
    organiser = factories.give_authenticator_app(factories.make_user(is_organiser=True))
    client = Client()
    client.force_login(judge)
    sheet = measure(client, reverse("judging_sheet", args=[mine[-1]]), repeat)
    client.force_login(organiser)
    results = measure(client, reverse("judging_results", args=[scene.contest.slug]), repeat)
    return {"score sheet": sheet, "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[100, 2000])
    parser.add_argument("--judges", type=int, default=40)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()

    # As in production: no query log or debug pages in the way of the timings.
    setup_test_environment(debug=False)
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite's test database is there
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        measured = {
            size: pages(size, options.judges, options.k, options.repeat) for size in options.entries
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print()
    print(f"{'page':<12} " + " ".join(f"{f'{n} entries':>22}" for n in options.entries))
    for page in ("score sheet", "results"):
        cells = [
            f"{q:>4} queries {t * 1000:>7.0f} ms"
            for q, t in (measured[n][page] for n in options.entries)
        ]
        counts = {measured[n][page][0] for n in options.entries}
        verdict = "equal" if len(counts) == 1 else "NOT EQUAL"
        # Against the ideal of a page whose cost does not grow with the entries (1.0).
        ratio = measured[max(options.entries)][page][1] / measured[min(options.entries)][page][1]
        row = " ".join(f"{cell:>22}" for cell in cells)
        print(f"{page:<12} {row}   queries {verdict}, time ratio {ratio:.2f} (flat = 1.00)")


if __name__ == "__main__":
    main()
