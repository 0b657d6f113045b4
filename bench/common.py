"""Shared pieces of the benchmarks: a scratch PostgreSQL database, a gunicorn server, a load loop.

Everything runs on loopback, is bounded in requests and seconds, and stops by itself.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1/postgres")


@contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """A new, migrated PostgreSQL database, dropped afterwards (set BENCH_KEEP=1 to keep it)."""
    from alembic import command

    from survey_app.db import alembic_config

    server = make_url(PG_SERVER)
    # pre-ping: a fault drill may restart PostgreSQL while this engine holds a connection
    admin = create_engine(server, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    command.upgrade(alembic_config(url), "head")
    try:
        yield url
    finally:
        if not os.environ.get("BENCH_KEEP"):
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server(NamedTuple):
    port: int
    pid: int


@contextmanager
def gunicorn(database_url: str, *, workers: int, threads: int, root: Path = ROOT,
             app: str = "wsgi:app", worker_class: str | None = None) -> Iterator[Server]:
    """gunicorn with the project's config file, on a free loopback port.

    ``root`` is the checkout whose code is served (the working directory comes first on the
    import path), e.g. an unpacked older commit for a before/after comparison; ``app`` another
    WSGI callable (the lean reference in bench/lean_reference.py)."""
    port = free_port()
    args = "--access-logfile /dev/null"
    if worker_class:
        args += f" --worker-class {worker_class}"
    env = {
        **os.environ,
        "SURVEY_ENV": "production",
        "SURVEY_SECRET_KEY": "bench-" + "k" * 40,
        "SURVEY_DATABASE_URL": database_url,
        "SURVEY_BIND": f"127.0.0.1:{port}",
        "SURVEY_WORKERS": str(workers),
        "SURVEY_THREADS": str(threads),
        "GUNICORN_CMD_ARGS": args,
        "LEAN_DATABASE_URL": database_url,
    }
    # The server's JSON logs go to a file: a pipe nobody reads would fill and stall it.
    log = open(ROOT / "bench" / "results" / "server.log.tmp", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), app],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/ping")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield Server(port, proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@dataclass
class LoadResult:
    name: str
    concurrency: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    #: The app's own time per request, from its ``Server-Timing: app;dur=…`` header.
    server_ms: list[float] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if 200 <= s < 300)

    @property
    def throughput(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(round(p / 100 * (len(data) - 1))))]

    def summary(self) -> dict[str, object]:
        return {
            "name": self.name, "concurrency": self.concurrency,
            "seconds": round(self.seconds, 2), "ok": self.ok,
            "per_second": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50), 2), "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else None,
            "server_p50_ms": (round(statistics.median(self.server_ms), 2)
                              if self.server_ms else None),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.errors,
        }


Request = tuple[str, str, bytes | None, dict[str, str]]


def run_load(name: str, port: int, concurrency: int, seconds: float, max_requests: int,
             make_request: Callable[[int, int], Request],
             on_response: Callable[[int, int, int, bytes], None] | None = None, *,
             rate: float | None = None) -> LoadResult:
    """``concurrency`` threads with keep-alive connections, for at most ``seconds`` and
    ``max_requests`` requests in total: as fast as the server answers, or paced at ``rate``
    requests/s in total (each request at its scheduled time, at once when behind)."""
    result = LoadResult(name, concurrency, 0.0)
    lock = threading.Lock()
    budget = [max_requests]
    stop_at = time.monotonic() + seconds
    interval = concurrency / rate if rate else 0.0

    def worker(wid: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = 0
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        server: list[float] = []
        errors = 0
        start = time.monotonic() + wid * interval / concurrency  # spread, not in step
        while time.monotonic() < stop_at:
            if interval:
                delay = start + i * interval - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                if time.monotonic() >= stop_at:
                    break
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            method, path, body, headers = make_request(wid, i)
            i += 1
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            latencies.append((time.perf_counter() - t0) * 1000)
            timing = resp.getheader("Server-Timing") or ""
            if timing.startswith("app;dur="):
                server.append(float(timing.removeprefix("app;dur=")))
            statuses[resp.status] = statuses.get(resp.status, 0) + 1
            if on_response:
                on_response(wid, i - 1, resp.status, data)
        conn.close()
        with lock:
            result.latencies_ms.extend(latencies)
            result.server_ms.extend(server)
            for s, n in statuses.items():
                result.statuses[s] = result.statuses.get(s, 0) + n
            result.errors += errors

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - t0
    return result


def write_results(name: str, payload: dict[str, object]) -> Path:
    out = ROOT / "bench" / "results" / f"{name}.json"
    out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def sample(fn: Callable[[], object], repeat: int, warmup: int = 2) -> dict[str, float]:
    """Median and 95th percentile of ``fn``'s wall time in ms over ``repeat`` runs."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2)}
