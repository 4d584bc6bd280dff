"""Run-engine throughput: E entries × T tasks through real Celery workers and the openai client.

    python bench/runs.py [--entries 200] [--tasks 5] [--latency 0.1] [--concurrency 16]

For each backend (Redis + PostgreSQL, then the embedded SQLite + filesystem broker) it
starts the local OpenAI stand-in with a fixed latency L, a fresh database, the broker and a
worker with concurrency C, submits the entries and times until every run has succeeded.
The ideal is measured in the same run: C client threads calling the same server directly
for the same number of calls, with nothing else in the way. It prints runs/s, the ideal,
their ratio (efficiency) and the platform's CPU time per run (worker processes).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port}")


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live descendants, from /proc."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(child) for child in children)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


class Services:
    """The fake model server, the broker and the database of one backend."""

    def __init__(self, backend: str, workdir: Path, latency: float) -> None:
        self.backend = backend
        self.workdir = workdir
        self.latency = latency
        self.processes: list[subprocess.Popen[bytes]] = []
        self.env = dict(os.environ)
        self.database = ""

    def start(self) -> dict[str, str]:
        port_file = self.workdir / "llm-port"
        self.spawn(
            [PYTHON, "-m", "tests.llm_server", "--port", "0", "--latency", str(self.latency),
             "--port-file", str(port_file)],
            "llm-server.log",
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline:
                raise RuntimeError("the LLM stand-in did not start")
            time.sleep(0.1)
        llm_port = int(port_file.read_text())
        self.env.update(
            OPENAI_API_KEY="bench-key",
            OPENAI_BASE_URL=f"http://127.0.0.1:{llm_port}/v1",
            LLM_PROVIDER="openai",
            LLM_RESPONSE_CACHE="0",
            # One author submits every entry at once: not the per-person limit's business.
            ENTRY_SUBMITS_PER_HOUR="0",
            VAR_DIR=str(self.workdir / "var"),
            # Production settings: DEBUG's query log would be measured otherwise.
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY="bench-only-secret-key-" + "x" * 40,
            SITE_URL="http://127.0.0.1:8000",
            LOG_LEVEL="WARNING",
        )
        if self.backend == "redis":
            redis_port = free_port()
            self.spawn(
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no"],
                "redis.log",
            )  # fmt: skip
            wait_for_port(redis_port)
            self.env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{redis_port}/0"
            self.env["CACHE_URL"] = f"redis://127.0.0.1:{redis_port}/1"
            self.env["DATABASE_URL"] = self.create_postgres_database()
        else:
            self.env["CELERY_BROKER_URL"] = "filesystem://"
            self.env["DATABASE_URL"] = f"sqlite:///{self.workdir / 'bench.sqlite3'}"
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=self.env,
            check=True,
        )  # fmt: skip
        return self.env

    def create_postgres_database(self) -> str:
        import psycopg

        # Its own name: two benches on one server (two checkouts) must not drop each other's.
        name = f"prompt_contest_bench_{os.getpid()}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name}")
            c.execute(f"CREATE DATABASE {name}")
        self.database = name
        return f"postgres://postgres@127.0.0.1:5432/{name}"

    def spawn(self, command: list[str], log_name: str) -> subprocess.Popen[bytes]:
        log = (self.workdir / log_name).open("wb")
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.database:
            import psycopg

            url = "postgresql://postgres@127.0.0.1:5432/postgres"
            with psycopg.connect(url, autocommit=True) as c:
                c.execute(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")


def measure_ideal(calls: int, concurrency: int) -> float:
    """Calls per second of C threads calling the stand-in directly through the gateway."""
    from contest.runs.llm import ModelSettings, complete

    model_settings = ModelSettings(
        provider="openai", model="gpt-4o-mini", temperature=0.2, max_tokens=100
    )
    remaining = iter(range(calls))
    lock = threading.Lock()

    def call_until_done() -> None:
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            complete(model_settings=model_settings, messages=[{"role": "user", "content": "ideal"}])

    threads = [threading.Thread(target=call_until_done) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return calls / (time.perf_counter() - started)


# A worker under cProfile counting CPU time (time.process_time), not wall time: waiting for
# the model or the database costs the worker nothing, and is not what the profile is for.
CPROFILE_WORKER = """
import cProfile, runpy, sys, time
output = sys.argv.pop(1)
sys.argv[0] = "celery"
profile = cProfile.Profile(time.process_time)
profile.enable()
try:
    runpy.run_module("celery", run_name="__main__")
finally:
    profile.disable()
    profile.dump_stats(output)
"""


def start_workers(services: Services, args: argparse.Namespace) -> list[subprocess.Popen[bytes]]:
    """`--workers` processes sharing the concurrency C, so the ideal stays C calls in flight.

    `--profile FILE` records one worker with py-spy (pip install py-spy) for a flame graph;
    `--cprofile FILE` runs one worker with the solo pool under cProfile, which sees every
    function a run goes through, from the broker's message to the stored result.
    """
    if args.cprofile:
        return [
            services.spawn(
                [PYTHON, "-c", CPROFILE_WORKER, args.cprofile, "-A", "config",
                 "worker", "-Q", "celery,llm", "--pool", "solo", "--without-heartbeat",
                 "--without-gossip", "--without-mingle", "-l", "WARNING"],
                "worker-0.log",
            )
        ]  # fmt: skip
    profiler = ["py-spy", "record", "-o", args.profile, "-f", "raw", "--"] if args.profile else []
    share, extra = divmod(args.concurrency, args.workers)
    return [
        services.spawn(
            [*(profiler if n == 0 else []), PYTHON, "-m", "celery", "-A", "config", "worker",
             "-n", f"bench{n}@%h", "-Q", "celery,llm", "--pool", args.pool,
             "--concurrency", str(share + (1 if n < extra else 0)),
             "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING"],
            f"worker-{n}.log",
        )
        for n in range(args.workers)
    ]  # fmt: skip


def stop_and_reap(worker: subprocess.Popen[bytes]) -> float:
    """Stop a worker and return its CPU seconds from getrusage (wait4): user + system, its
    own and that of every child it reaped (the prefork pool's processes)."""
    worker.send_signal(signal.SIGTERM)
    _, status, usage = os.wait4(worker.pid, 0)
    worker.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def print_profile(path: str, runs: int) -> None:
    """Where a run's CPU goes in the worker: per run, from the broker's message to the
    stored result (start-up and shutdown left out), by cumulative and by own time."""
    import pstats

    stats = pstats.Stats(path)
    loop = [
        cumulative
        for (filename, _, name), (_, _, _, cumulative, _) in stats.stats.items()  # type: ignore[attr-defined]
        if name == "synloop" or (name == "asynloop" and filename.endswith("loops.py"))
    ]
    print(f"cProfile of one worker (solo pool, CPU time): {runs} runs")
    if loop:
        print(f"the worker's loop: {1000 * max(loop) / runs:.2f} ms of CPU per run")
    stats.sort_stats("cumulative").print_stats(
        r"contest|celery/app/trace|kombu/(transport|messaging)", 45
    )
    stats.sort_stats("tottime").print_stats(30)


def run_backend(args: argparse.Namespace) -> dict[str, object]:
    """Child process: one backend, with Django configured for its database."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{args.backend}-"))
    services = Services(args.backend, workdir, args.latency)
    try:
        env = services.start()
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
        from django.db.models import Max, Min

        from contest.models import Run

        entries = create_contest_entries(args.entries, args.tasks)
        total_runs = args.entries * args.tasks
        # Submitting (revisions, runs, one broker message per run) is timed on its own,
        # before any worker runs, so the engine's figure is not shared with it.
        started = time.perf_counter()
        submit_entries(entries)
        submit_seconds = time.perf_counter() - started

        workers = start_workers(services, args)
        deadline = time.monotonic() + args.timeout
        while not Run.objects.exclude(status="queued").exists():
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                raise RuntimeError("a worker did not start; see worker-*.log")
            time.sleep(0.02)
        cpu_before = sum(process_tree_cpu_seconds(worker.pid) for worker in workers)
        done_before = Run.objects.filter(status__in=["succeeded", "failed"]).count()
        done = done_before
        while time.monotonic() < deadline and done < total_runs:
            time.sleep(0.05)
            done = Run.objects.filter(status__in=["succeeded", "failed"]).count()
        # getrusage of each worker once it has stopped (its pool's children included): the
        # CPU of the whole window, from the first claim to the worker's exit.
        cpu = sum(stop_and_reap(worker) for worker in workers) - cpu_before
        # The engine's own clock: from the first claim to the last result, as stored.
        span = Run.objects.aggregate(first=Min("started_at"), last=Max("finished_at"))
        elapsed = (span["last"] - span["first"]).total_seconds()
        succeeded = Run.objects.filter(status="succeeded").count()
        ideal = measure_ideal(total_runs, args.concurrency)
        if args.cprofile:
            print_profile(args.cprofile, done - done_before)
        return {
            "backend": "Redis + PostgreSQL" if args.backend == "redis" else "SQLite + filesystem",
            "runs": total_runs,
            "succeeded": succeeded,
            "seconds": round(elapsed, 2),
            "submit_entries_per_s": round(args.entries / submit_seconds, 1),
            "runs_per_s": round(done / elapsed, 1),
            "ideal_runs_per_s": round(ideal, 1),
            "ideal_c_over_l": round(args.concurrency / args.latency, 1),
            "efficiency": round((done / elapsed) / ideal, 3),
            "efficiency_c_over_l": round((done / elapsed) / (args.concurrency / args.latency), 3),
            "workers": args.workers,
            "worker_cpu_ms_per_run": round(1000 * cpu / max(done - done_before, 1), 2),
        }
    finally:
        services.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def create_contest_entries(entry_count: int, task_count: int) -> list[int]:
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from contest.models import Contest, Entry, SampleTask

    now = timezone.now()
    contest = Contest.objects.create(
        slug="bench", title="bench", status=Contest.Status.OPEN, model_provider="openai",
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1),
        max_entries_per_person=entry_count,
    )  # fmt: skip
    SampleTask.objects.bulk_create(
        SampleTask(contest=contest, title=f"task {n}", input=f"sample input {n}", position=n)
        for n in range(task_count)
    )
    author = User.objects.create_user("bench@example.jp", "bench-password")
    entries = Entry.objects.bulk_create(
        Entry(contest=contest, author=author, title=f"entry {n}",
              prompt_template=f"Entry {n}: summarise {{{{input}}}}")
        for n in range(entry_count)
    )  # fmt: skip
    return [entry.pk for entry in entries]


def submit_entries(entry_ids: list[int]) -> None:
    from contest.models import Entry
    from contest.services import entry_submit

    for entry in Entry.objects.filter(pk__in=entry_ids).select_related("contest"):
        entry_submit(entry=entry)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=int(os.environ.get("BENCH_ENTRIES", 200)))
    parser.add_argument("--tasks", type=int, default=int(os.environ.get("BENCH_TASKS", 5)))
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--pool", default=os.environ.get("BENCH_POOL", "threads"))
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--backend", choices=["redis", "embedded"])
    parser.add_argument(
        "--backends", default=os.environ.get("BENCH_BACKENDS", ""), help='e.g. "redis embedded"'
    )
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", 1)))
    parser.add_argument("--profile", help="record the worker with py-spy into this file")
    parser.add_argument("--cprofile", help="run one solo worker under cProfile into this file")
    args = parser.parse_args()

    if args.backend:
        print(json.dumps(run_backend(args)))
        return

    print(
        f"runs benchmark: {args.entries} entries × {args.tasks} tasks, latency L = "
        f"{args.latency * 1000:.0f} ms, concurrency C = {args.concurrency} ({args.pool} pool, "
        f"{args.workers} worker process{'es' if args.workers > 1 else ''})"
    )
    backends = args.backends.split() if args.backends else ["redis", "embedded"]
    if not shutil.which("redis-server"):
        backends = [backend for backend in backends if backend != "redis"]
    for backend in backends:
        command = [PYTHON, __file__, "--backend", backend, *sys.argv[1:]]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            print(f"{backend}: failed\n{result.stderr[-3000:]}")
            continue
        *profile, last = result.stdout.strip().splitlines()
        if profile:
            print("\n".join(profile))
        figures = json.loads(last)
        print(
            f"{figures['backend']:<22} {figures['runs_per_s']:>7} runs/s   "
            f"efficiency {figures['efficiency']:.2f} of the ideal measured in this run "
            f"({figures['ideal_runs_per_s']} runs/s), {figures['efficiency_c_over_l']:.2f} of "
            f"C/L ({figures['ideal_c_over_l']} runs/s)   worker CPU "
            f"{figures['worker_cpu_ms_per_run']} ms/run   "
            f"({figures['succeeded']}/{figures['runs']} succeeded in {figures['seconds']} s; "
            f"submitting: {figures['submit_entries_per_s']} entries/s)"
        )


if __name__ == "__main__":
    main()
