"""Kiosk load and fault run: many devices voting for minutes, nothing lost, nothing doubled.

    .venv/bin/python bench/load_kiosks.py --devices 200 --seconds 300
    .venv/bin/python bench/load_kiosks.py --devices 50 --seconds 60 --restart-postgres-at 20
    .venv/bin/python bench/load_kiosks.py --devices 50 --seconds 60 --kill-worker-at 20

gunicorn + PostgreSQL on loopback, a fresh database. Each simulated device behaves like the
kiosk client: it makes a vote (a new client_id), then sends it until the server confirms it
(201, or 200 for a replay), retrying the same client_id with backoff after errors, timeouts and
5xx; 409 and 422 are kept aside. After the run every device drains its queue (bounded), and the
script checks that the database holds exactly the confirmed client_ids, once each, and that the
rollups equal a recount. Faults: restart PostgreSQL, or SIGKILL a gunicorn worker, mid-run.
Exit 1 when anything was lost or doubled. Results go to bench/results/load-*.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench.bench_votes import seed  # noqa: E402
from bench.common import gunicorn, scratch_database, write_results  # noqa: E402
from survey_app.db import Database  # noqa: E402
from survey_app.models import Ballot  # noqa: E402
from survey_app.services import tallies  # noqa: E402

LEVELS = ("very_satisfied", "satisfied", "not_satisfied")


class Device(threading.Thread):
    """One tablet: vote, send until confirmed, repeat."""

    def __init__(self, port: int, token: str, stop_at: float, think: float,
                 stats: dict, lock: threading.Lock) -> None:
        super().__init__(daemon=True)
        self.port, self.token, self.stop_at, self.think = port, token, stop_at, think
        self.stats, self.lock = stats, lock
        self.confirmed: set[str] = set()
        self.rejected: set[str] = set()
        self.pending: list[dict] = []
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors = 0
        self.error_kinds: dict[str, int] = {}
        self.conn: http.client.HTTPConnection | None = None

    def _send(self, body: dict) -> int | None:
        payload = json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        t0 = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            self.conn.request("POST", "/api/v1/votes", body=payload, headers=headers)
            response = self.conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.errors += 1
            self.error_kinds[type(exc).__name__] = self.error_kinds.get(type(exc).__name__, 0) + 1
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return None
        self.latencies.append((time.perf_counter() - t0) * 1000)
        self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
        return response.status

    def _deliver(self, body: dict, deadline: float) -> None:
        delay = 0.05
        while time.monotonic() < deadline:
            status = self._send(body)
            if status in (200, 201):
                self.confirmed.add(body["client_id"])
                return
            if status in (409, 422):
                self.rejected.add(body["client_id"])
                return
            time.sleep(delay + random.random() * delay)  # 5xx, timeout, refused: retry
            delay = min(delay * 2, 2.0)
        self.pending.append(body)

    def run(self) -> None:
        rng = random.Random()
        while time.monotonic() < self.stop_at:
            body = {"client_id": str(uuid.uuid4()),
                    "answers": {"overall": rng.choice(LEVELS)},
                    "answered_at": datetime.now(timezone.utc).isoformat()}
            self._deliver(body, self.stop_at)
            if self.think:
                time.sleep(rng.random() * self.think)
        # drain what is still queued, as the kiosk does when the network returns
        queue, self.pending = self.pending, []
        for body in queue:
            self._deliver(body, time.monotonic() + 60)


def restart_postgres() -> None:
    cluster = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
                   check=True, capture_output=True)


def kill_a_worker(master_pid: int) -> int | None:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    pids = [int(p) for p in children.read_text().split()] if children.exists() else []
    if not pids:
        return None
    os.kill(pids[0], signal.SIGKILL)
    return pids[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--think", type=float, default=0.2,
                        help="Max random pause between a device's votes (s).")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--restart-postgres-at", type=float)
    parser.add_argument("--kill-worker-at", type=float)
    parser.add_argument("--name", default=None, help="Results file name (load-NAME.json).")
    args = parser.parse_args()

    with scratch_database("survey_bench_load") as url:
        tokens = seed(url, args.devices)
        events: list[str] = []
        with gunicorn(url, workers=args.workers, threads=args.threads) as server:
            port, master = server
            lock = threading.Lock()
            stop_at = time.monotonic() + args.seconds
            devices = [Device(port, t, stop_at, args.think, {}, lock) for t in tokens]
            started = time.monotonic()
            for d in devices:
                d.start()
            if args.restart_postgres_at is not None:
                time.sleep(args.restart_postgres_at)
                t0 = time.monotonic()
                restart_postgres()
                events.append(f"PostgreSQL restarted at {t0 - started:.1f}s "
                              f"(took {time.monotonic() - t0:.1f}s)")
            if args.kill_worker_at is not None:
                time.sleep(max(0.0, args.kill_worker_at - (time.monotonic() - started)))
                pid = kill_a_worker(master)
                events.append(f"gunicorn worker {pid} killed (SIGKILL) at "
                              f"{time.monotonic() - started:.1f}s")
            for d in devices:
                d.join()
            elapsed = time.monotonic() - started
        confirmed = set().union(*(d.confirmed for d in devices))
        rejected = set().union(*(d.rejected for d in devices))
        pending = sum(len(d.pending) for d in devices)
        latencies = sorted(x for d in devices for x in d.latencies)
        statuses: dict[int, int] = {}
        for d in devices:
            for s, n in d.statuses.items():
                statuses[s] = statuses.get(s, 0) + n

        db = Database(url)
        with db.transaction() as session:
            stored = set(str(c) for c in session.scalars(select(Ballot.client_id)))
            rows = session.scalar(select(func.count()).select_from(Ballot))
            rollup_ok = (tallies.live_tallies(session) == tallies.counted_tallies(session)
                         and tallies.monthly_drift(session) == 0)
        db.dispose()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p / 100 * (len(latencies) - 1)))], 2)

    result = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "devices": args.devices, "seconds": round(elapsed, 1), "think_s": args.think,
        "gunicorn": {"workers": args.workers, "threads": args.threads},
        "events": events,
        "votes_confirmed": len(confirmed), "votes_per_second": round(len(confirmed) / elapsed, 1),
        "requests": len(latencies), "p50_ms": pct(50), "p99_ms": pct(99),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "transport_errors": sum(d.errors for d in devices),
        "transport_error_kinds": {k: sum(d.error_kinds.get(k, 0) for d in devices)
                                  for k in {k for d in devices for k in d.error_kinds}},
        "rejected": len(rejected), "still_pending": pending,
        "ballots_stored": rows, "lost": len(confirmed - stored),
        "unconfirmed_but_stored": len(stored - confirmed - rejected),
        "duplicates": rows - len(stored), "rollup_equals_recount": rollup_ok,
    }
    print(json.dumps(result, indent=2))
    name = args.name or ("pg-restart" if args.restart_postgres_at is not None else
                         "worker-kill" if args.kill_worker_at is not None else "steady")
    print("written", write_results(f"load-{name}", result))
    ok = (result["lost"] == 0 and result["duplicates"] == 0 and rollup_ok and pending == 0
          and result["unconfirmed_but_stored"] == 0)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
