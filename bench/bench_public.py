"""Voting with and without 1,000 requests/s on the public results pages, same run.

    .venv/bin/python bench/bench_public.py [--seconds 10] [--clients 8] [--rate 1000]
                                           [--vote-rate 100]

Needs ``nginx`` (Debian: ``apt-get install nginx-light``).

gunicorn (2 sync workers) + PostgreSQL as in bench_votes.py, 200 tablets at 50 units, one
closed and published quarter, and nginx in front as docs/deploy.md describes it: votes pass
through, ``/cong-khai/`` is kept by nginx's shared cache (the pages say ``Cache-Control:
public, max-age=60`` and set no cookie). ``--clients`` kiosk clients vote through nginx,
twice: flat out (every core busy: any other work shows as fewer votes/s) and paced at
``--vote-rate`` votes/s (above the national peak: other work shows as latency). Each time,
``--seconds`` per step:

1. votes alone;
2. votes while 4 paced keep-alive clients ask nginx for a fixed answer at ``--rate``
   requests/s: what the load client and nginx cost on the shared cores by themselves;
3. the same, asking for ``/cong-khai/`` — the production shape;
4. votes while 8 readers fetch ``/cong-khai/`` from gunicorn directly as fast as they can —
   no shared cache, every request reaches the app (what the cache is for).

Reports votes/s, p50 and p99 per step, the reads served, how many requests nginx answered from
its cache (``$upstream_cache_status``), then checks that every 201 vote was stored. Client,
nginx, gunicorn and PostgreSQL share the 2 cores: compare the steps, not absolutes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench.bench_votes import seed  # noqa: E402
from bench.common import (  # noqa: E402
    LoadResult,
    free_port,
    gunicorn,
    run_load,
    scratch_database,
    write_results,
)
from survey_app.db import Database  # noqa: E402
from survey_app.domain.periods import Period  # noqa: E402
from survey_app.models import Ballot, Unit  # noqa: E402
from survey_app.services import publication, snapshots  # noqa: E402

#: nginx in front of the app: the cache block of docs/deploy.md (section 6) on loopback.
NGINX_CONF = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format cache '$upstream_cache_status $status';
    access_log {prefix}/access.log cache buffer=64k;
    proxy_cache_path {prefix}/cache keys_zone=public_pages:10m max_size=200m inactive=10m;
    upstream app {{ server 127.0.0.1:{app_port}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        location /cong-khai/ {{
            proxy_pass http://app;
            proxy_cache public_pages;
            proxy_cache_lock on;
            proxy_cache_use_stale updating error timeout http_500 http_503;
            proxy_cache_revalidate on;
        }}
        location / {{ proxy_pass http://app; }}
        # the same paced client against a fixed answer: what the client and nginx cost alone
        location = /bench-fixed {{ access_log off; return 200 "ok"; }}
    }}
}}
"""


@contextmanager
def nginx(app_port: int) -> Iterator[tuple[int, Path]]:
    """nginx on a free loopback port in front of ``app_port``; yields the port and its prefix
    directory (access.log is read after it stops)."""
    prefix = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    (prefix / "cache").mkdir()
    for path in (prefix, prefix / "cache"):  # nginx's worker runs as an unprivileged user
        path.chmod(0o777)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, app_port=app_port, port=port))
    proc = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        if proc.poll() is not None:
            raise RuntimeError(f"nginx did not start: {(prefix / 'error.log').read_text()}")
        yield port, prefix
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def publish_a_quarter(url: str) -> None:
    db = Database(url)
    with db.transaction() as session:
        root = session.scalar(select(Unit).where(Unit.code == "P"))
        snap = snapshots.close_period(session, root, Period(date(2025, 7, 1), date(2025, 9, 30)),
                                      None, tz=ZoneInfo("Asia/Ho_Chi_Minh"))
        publication.publish_period(session, snap, None)
    db.dispose()


def line(label: str, got: LoadResult, alone: LoadResult | None = None) -> str:
    ratio = f"  (ratio {got.throughput / alone.throughput:.2f})" if alone else ""
    return (f"{label:<28} {got.throughput:8.1f}/s p50 {got.percentile(50):6.2f} "
            f"p99 {got.percentile(99):7.2f} ms{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rate", type=int, default=1000, help="public requests/s via nginx")
    parser.add_argument("--vote-rate", type=int, default=100,
                        help="votes/s of the paced half (the national peak is ~60/s)")
    args = parser.parse_args()
    if shutil.which("nginx") is None:
        sys.exit("needs nginx: apt-get install nginx-light")

    with scratch_database("survey_bench_public") as url:
        tokens = seed(url, 200)
        publish_a_quarter(url)
        accepted: set[str] = set()

        def vote_request(w: int, i: int) -> tuple[str, str, bytes, dict[str, str]]:
            body = json.dumps({
                "client_id": str(uuid.uuid4()),
                "answers": {"overall": ("very_satisfied", "satisfied", "not_satisfied")[i % 3]},
                "answered_at": datetime.now(timezone.utc).isoformat(),
            }).encode()
            return ("POST", "/api/v1/votes", body,
                    {"Authorization": f"Bearer {tokens[(w * 7 + i) % len(tokens)]}",
                     "Content-Type": "application/json"})

        def record(w: int, i: int, status: int, data: bytes) -> None:
            if status == 201:
                accepted.add(json.loads(data)["client_id"])

        def votes(port: int, name: str, rate: float | None) -> LoadResult:
            return run_load(name, port, args.clients, args.seconds, 500_000, vote_request,
                            record, rate=rate)

        def reads(port: int, path: str, rate: float | None, result: dict[str, LoadResult]
                  ) -> threading.Thread:
            """Readers of ``path`` in a thread (4 paced clients, or 8 flat out), into ``result``."""
            thread = threading.Thread(target=lambda: result.update(read=run_load(
                path, port, 4 if rate else 8, args.seconds, 5_000_000,
                lambda w, i: ("GET", path, None, {}), rate=rate)))
            thread.start()
            return thread

        steps: dict[str, dict[str, object]] = {}
        with gunicorn(url, workers=2, threads=1, worker_class="sync") as server, \
                nginx(server.port) as (front, prefix):
            votes(front, "warm-up", None)  # connections, caches, prepared statements
            for mode, vote_rate in (("flat out", None), (f"{args.vote_rate}/s", args.vote_rate)):
                alone = votes(front, "votes", vote_rate)
                rows = {"alone": (alone, None)}
                for label, port, path, rate in (
                        (f"+ {args.rate}/s fixed answer (nginx)", front, "/bench-fixed", args.rate),
                        (f"+ {args.rate}/s /cong-khai/ (nginx cache)", front, "/cong-khai/",
                         args.rate),
                        ("+ /cong-khai/ flat out (gunicorn, no cache)", server.port, "/cong-khai/",
                         None)):
                    read: dict[str, LoadResult] = {}
                    thread = reads(port, path, rate, read)
                    rows[label] = (votes(front, "votes", vote_rate), None)
                    thread.join()
                    rows[label] = (rows[label][0], read["read"])
                print(f"votes {mode} ({args.clients} clients)")
                for label, (got, other) in rows.items():
                    print("  " + line(label, got, None if label == "alone" else alone))
                    if other is not None:
                        print(f"      reads: {other.throughput:.1f}/s p50 "
                              f"{other.percentile(50):.2f} p99 {other.percentile(99):.2f} ms, "
                              f"statuses {other.statuses}")
                steps[mode] = {label: {"votes": got.summary(),
                                       "reads": other.summary() if other else None}
                               for label, (got, other) in rows.items()}
        # "-" is a request nginx did not cache (the votes); HIT answered from the cache
        cache = Counter(row.split()[0] for row in (prefix / "access.log").read_text().splitlines())
        shutil.rmtree(prefix, ignore_errors=True)
        print(f"nginx cache status of every request through it: {dict(cache)}")
        db = Database(url)
        with db.transaction() as session:
            stored = session.scalar(select(func.count()).select_from(Ballot))
        db.dispose()
        check = {"votes_201": len(accepted), "ballots_stored": stored}
        print("integrity:", check)
        out = write_results("public", {
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "seconds_per_step": args.seconds, "clients": args.clients, "rate": args.rate,
            "steps": steps, "nginx_cache_status": dict(cache), "integrity": check,
        })
        print(f"written {out}")
        if stored != len(accepted):
            sys.exit(1)


if __name__ == "__main__":
    main()
