"""Gallery pages under load, through a real gunicorn server, at 1× and 10× the prompts.

    python bench/gallery.py [--backend sqlite postgresql]

For each backend it makes a fresh database (SQLite: a file; PostgreSQL: the server of
TEST_POSTGRES_URL, database `prompt_contest_bench_gallery`), migrates it, fills it with
published prompts written like real ones (Japanese titles and purposes from the kinds of
work a city hall does, so the bigram search meets realistic term frequencies) by
`bulk_create`, the search index kept current the gallery's way (PostgreSQL: the generated
column; SQLite: the FTS5 triggers), and serves it with gunicorn (production settings,
GALLERY_PUBLIC on so the load generator needs no session). A load generator (threads,
one `http.client` connection each) then asks for each page REQUESTS times, and for
/healthz — one `SELECT 1` through the same server, the ideal — in the same run. It prints
the median and p95 of each page, its ratio to /healthz, and the median at 10× over 1×.

Sizes: 10,000 prompts on SQLite and 100,000 on PostgreSQL (10×), and a tenth of that (1×).
Knobs (environment): BENCH_GALLERY_SQLITE, BENCH_GALLERY_POSTGRES (the 10× sizes),
BENCH_GALLERY_REQUESTS (per page, 200), BENCH_GALLERY_THREADS (2),
BENCH_GALLERY_WORKERS (gunicorn workers, 2). For a quick run:
BENCH_GALLERY_SQLITE=2000 BENCH_GALLERY_POSTGRES=5000 BENCH_GALLERY_REQUESTS=60.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_NAME = "prompt_contest_bench_gallery"
SIZES = {
    "sqlite": int(os.environ.get("BENCH_GALLERY_SQLITE", "10000")),
    "postgresql": int(os.environ.get("BENCH_GALLERY_POSTGRES", "100000")),
}
REQUESTS = int(os.environ.get("BENCH_GALLERY_REQUESTS", "200"))
THREADS = int(os.environ.get("BENCH_GALLERY_THREADS", "2"))
WORKERS = int(os.environ.get("BENCH_GALLERY_WORKERS", "2"))
WARMUP = 10

# What a city hall's staff write prompts for: the document, the work, for whom.
DOCUMENTS = [
    "通知文", "議事録", "議会答弁", "住民からの問い合わせ", "広報誌の記事", "補助金の申請書",
    "契約書", "仕様書", "会議資料", "防災メール", "窓口FAQ", "苦情への回答", "観光案内",
    "子育て支援のお知らせ", "予算要求資料", "アンケートの自由記述", "研修資料", "プレスリリース",
    "採用募集要項", "ごみ分別の案内", "選挙のお知らせ", "事業報告書", "条例の改正案", "SNS投稿",
]  # fmt: skip
WORKS = [
    "要約", "作成", "校正", "翻訳", "下書き", "チェック", "分類", "言い換え",
    "やさしい日本語化", "箇条書き化", "表に整理", "論点整理", "想定問答の作成", "英訳",
]  # fmt: skip
AUDIENCES = [
    "住民向け", "高齢者向け", "外国人住民向け", "議員向け", "職員向け", "事業者向け", "子ども向け",
]  # fmt: skip
SHAPES = ["3行で", "500字以内で", "箇条書きで", "表形式で", "丁寧な敬語で", "平易な言葉で"]
CATEGORIES = ["要約", "文書作成", "翻訳", "校正", "分析", "企画", "窓口対応", "広報"]
DEPARTMENTS = [
    "総務課", "企画政策課", "財政課", "市民課", "福祉課", "子育て支援課", "環境課", "観光課",
    "危機管理課", "都市計画課", "税務課", "教育総務課", "広報課", "情報政策課", "議会事務局",
]  # fmt: skip
PLACES = ["みなと坂", "かもめ", "桜川", "青葉", "若葉", "東山", "西浜", "北野", "南台", "朝日"]
AWARDS = [("最優秀賞", 1), ("優秀賞", 2), ("特別賞", 3)]


def prompt_fields(rng: random.Random, n: int, now: datetime) -> dict[str, Any]:
    document, work = rng.choice(DOCUMENTS), rng.choice(WORKS)
    audience, shape = rng.choice(AUDIENCES), rng.choice(SHAPES)
    place = rng.choice(PLACES) + rng.choice(["市", "町", "村"])
    year = rng.choice([2023, 2024, 2025])
    award = rng.choice(AWARDS) if rng.random() < 0.15 else ("", None)
    before = rng.choice([15, 20, 30, 45, 60, 90, 120])
    after = rng.choice([5, 10, 15])
    return {
        "title": f"{document}の{work}（{audience}）",
        "category": rng.choice(CATEGORIES),
        "purpose": (
            f"{document}を{audience}に{shape}{work}します。\n"
            f"{rng.choice(DEPARTMENTS)}で毎週行う作業を短くするために作りました。"
        ),
        "system_prompt": "あなたは市役所の職員です。正確で丁寧な文章を書きます。",
        "prompt_template": (
            f"次の{document}を{audience}に{shape}{work}してください。\n" + "{{input}}"
        ),
        "variables": [{"name": "input", "label": document, "example": f"{document}の例文です。"}],
        "usage_notes": "固有名詞と日付が正しいか、必ず元の文書と照らし合わせてください。",
        "minutes_before": before,
        "minutes_after": after,
        "minutes_saved": max(before - after, 0),
        "award_name": award[0],
        "award_rank": award[1],
        "contest_title": f"令和{year - 2018}年度 {place}職員プロンプトコンテスト",
        "fiscal_year": year,
        "credit_name": "",
        "credit_department": rng.choice(DEPARTMENTS),
        "organisation": place,
        "external_id": f"bench-{n}",
        "copy_count": rng.randrange(200),
        "like_count": rng.randrange(100),
        "use_count": rng.randrange(100),
        "published_at": now - timedelta(minutes=n),
    }


def populate(start: int, stop: int) -> None:
    """Published prompts numbered [start, stop), in batches (runs inside Django)."""
    from gallery.models import GalleryPrompt
    from gallery.publishing import search_text_of

    rng = random.Random(start)
    now = datetime(2026, 3, 31, tzinfo=UTC)
    batch: list[GalleryPrompt] = []
    for n in range(start, stop):
        prompt = GalleryPrompt(**prompt_fields(rng, n, now))
        prompt.search_text = search_text_of(prompt)
        batch.append(prompt)
        if len(batch) == 2000:
            GalleryPrompt.objects.bulk_create(batch)
            batch = []
    GalleryPrompt.objects.bulk_create(batch)


def fill(env: dict[str, str], start: int, stop: int) -> None:
    code = (
        "import django, sys; django.setup(); sys.path.insert(0, '.'); "
        "from bench.gallery import populate, analyse; "
        f"populate({start}, {stop}); analyse()"
    )
    subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, check=True)


def analyse() -> None:
    """What autovacuum gives a table this size soon after a bulk load: planner statistics,
    and on PostgreSQL the visibility map (without it every COUNT(*) of a page's total reads
    the table: /gallery/?q=要約 at 100,000 prompts took 490 ms instead of 44 ms)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port}")


def load(port: int, path: str, requests: int, threads: int) -> list[float]:
    """Seconds per request, `threads` clients in parallel, each on its own connection."""
    times: list[float] = []
    lock = threading.Lock()
    left = [requests + WARMUP * threads]

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        done = 0
        while True:
            with lock:
                if left[0] <= 0:
                    break
                left[0] -= 1
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status}")
            done += 1
            if done > WARMUP:
                with lock:
                    times.append(elapsed)
        connection.close()

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return times


def pages(detail_id: int) -> dict[str, str]:
    return {
        "/gallery/": "/gallery/",
        "?q=要約": "/gallery/?q=" + quote("要約"),
        "?q=議事録 作成": "/gallery/?q=" + quote("議事録 作成"),
        "filtered+sorted": "/gallery/?category=" + quote("要約") + "&year=2025&sort=liked&page=2",
        "detail": f"/gallery/{detail_id}/",
        "/healthz": "/healthz",
    }


def serve_and_measure(env: dict[str, str], detail_id: int) -> dict[str, list[float]]:
    port = free_port()
    log = open(Path(env["VAR_DIR"]) / "gunicorn.log", "ab")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(WORKERS), "--access-logfile", "-"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    try:
        wait_for(port)
        measured = {}
        for name, path in pages(detail_id).items():
            measured[name] = load(port, path, REQUESTS, THREADS)
        return measured
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def run_backend(backend: str, workdir: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-only-secret-key-" + "x" * 40,
        DJANGO_SECURE_SSL_REDIRECT="0",
        SITE_URL="http://127.0.0.1:8000",
        GALLERY_PUBLIC="1",
        VAR_DIR=str(workdir / "var"),
        STATIC_ROOT=str(workdir / "static"),
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.pop("CACHE_URL", None)
    Path(env["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    if backend == "postgresql":
        import psycopg

        server = PG_SERVER.rsplit("/", 1)[0]
        with psycopg.connect(server.replace("postgres://", "postgresql://") + "/postgres",
                             autocommit=True) as c:  # fmt: skip
            c.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            c.execute(f"CREATE DATABASE {PG_NAME}")
        env["DATABASE_URL"] = f"{server}/{PG_NAME}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    manage = [PYTHON, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)

    big = SIZES[backend]
    small = max(big // 10, 1)
    results: dict[str, Any] = {"sizes": [small, big]}
    started = time.perf_counter()
    fill(env, 0, small)
    results["fill_small_s"] = time.perf_counter() - started
    results["small"] = serve_and_measure(env, detail_id=small // 2)
    started = time.perf_counter()
    fill(env, small, big)
    results["fill_big_s"] = time.perf_counter() - started
    results["big"] = serve_and_measure(env, detail_id=small // 2)
    return results


def report(backend: str, results: dict[str, Any]) -> None:
    small, big = results["sizes"]
    print(
        f"\n{backend}: {small:,} → {big:,} prompts (filled in {results['fill_small_s']:.0f} s "
        f"+ {results['fill_big_s']:.0f} s); {REQUESTS} requests per page, {THREADS} threads, "
        f"{WORKERS} gunicorn workers"
    )
    header = (
        f"{'page':<16} {'1× p50':>8} {'1× p95':>8} {'10× p50':>8} {'10× p95':>8} "
        f"{'÷healthz':>9} {'10×/1×':>7}"
    )
    print(header)
    ideal = summary(results["big"]["/healthz"])[0]
    for name in results["big"]:
        p50_small, p95_small = summary(results["small"][name])
        p50_big, p95_big = summary(results["big"][name])
        print(
            f"{name:<16} {p50_small:>6.1f}ms {p95_small:>6.1f}ms {p50_big:>6.1f}ms "
            f"{p95_big:>6.1f}ms {p50_big / ideal:>8.1f}× {p50_big / p50_small:>6.2f}×"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--json", help="also write the raw timings to this file")
    options = parser.parse_args()
    everything = {}
    for backend in options.backend:
        workdir = Path(tempfile.mkdtemp(prefix=f"bench-gallery-{backend}-"))
        try:
            everything[backend] = run_backend(backend, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        report(backend, everything[backend])
    if options.json:
        Path(options.json).write_text(json.dumps(everything))


if __name__ == "__main__":
    main()
