"""Kiosk votes through the app against the lean reference, on the same gunicorn and PostgreSQL.

    .venv/bin/python bench/bench_votes.py [--seconds 10] [--workers 2] [--concurrency 1,32]
                                          [--base /tmp/base-checkout]

The scenario of issue 19: 50 tablets at 50 communes under 5 districts under 1 province, each
tablet's answer times 15 s apart (people voting, not a burst). For each concurrency level it
loads POST /votes of bench/lean_reference.py (validate, insert the ballot idempotently, bump a
day cell, one transaction) and then POST /api/v1/votes of the app, both under gunicorn with
``--workers`` sync workers, and reports throughput, p50/p99 and the ratio app / lean.

Before the HTTP load it stores 200 votes in-process (Flask test client) and reports statements
per vote (an engine ``before_cursor_execute`` counter, BEGIN/COMMIT left out) and the median
in-process time. ``--base`` names a second checkout (e.g. ``git archive <commit> | tar -x``)
measured the same way in the same run, for a before/after table. Afterwards each database must
hold exactly the votes answered 201, the daily rollup must equal a recount and the subtree
rollup plus the fold queue must equal a recount; the queue is then folded and timed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench.common import ROOT, gunicorn, run_load, scratch_database, write_results  # noqa: E402
from survey_app.db import Database  # noqa: E402
from survey_app.models import Ballot, FoldQueue, Unit  # noqa: E402
from survey_app.services import accounts, breakdowns, folding, tallies  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SECRET = "bench-" + "k" * 40
LEVELS = ("very_satisfied", "satisfied", "not_satisfied")

#: Run with the checkout under test as working directory: stores votes in-process, counting
#: statements. Prints one JSON line.
IN_PROCESS = r"""
import json, statistics, sys, time, uuid
from datetime import datetime, timedelta, timezone
from sqlalchemy import event
from survey_app import create_app
from survey_app.db import get_db
url, secret, tokens, n = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret})
client = app.test_client()
seen = []
def count(_c, _cur, statement, *_a):
    if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
        seen.append(statement)
base = datetime.now(timezone.utc) - timedelta(days=3)
def one(i):
    token = tokens[i % len(tokens)]
    body = {"client_id": str(uuid.uuid4()), "answers": {"overall": ("very_satisfied",
            "satisfied", "not_satisfied")[i % 3]},
            "answered_at": (base + timedelta(seconds=15 * i)).isoformat()}
    return client.post("/api/v1/votes", json=body, headers={"Authorization": "Bearer " + token})
for i in range(len(tokens)):  # one warm-up vote per tablet (caches, prepared statements)
    assert one(i).status_code == 201
event.listen(get_db(app).engine, "before_cursor_execute", count)
times = []
for i in range(len(tokens), len(tokens) + n):
    t0 = time.perf_counter()
    assert one(i).status_code == 201
    times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"votes": n + len(tokens), "statements_per_vote": len(seen) / n,
                  "median_ms": round(statistics.median(times), 2)}))
"""


def seed(url: str, devices: int) -> list[str]:
    """One province over 50 units, ``devices`` tablets round-robin (bench/load_kiosks.py)."""
    db = Database(url)
    with db.transaction() as session:
        province = Unit(code="P", name="Tỉnh thử nghiệm", kind="province")
        session.add(province)
        units = [Unit(code=f"U{i:02d}", name=f"Đơn vị {i}", kind="commune", parent=province)
                 for i in range(50)]
        session.add_all(units)
        session.flush()
        tokens = [accounts.register_kiosk(session, units[i % len(units)])[1]
                  for i in range(devices)]
    db.dispose()
    return tokens


def seed_kiosk_scenario(url: str) -> list[str]:
    """The issue's scenario: 1 province, 5 districts, 50 communes, one tablet each."""
    db = Database(url)
    with db.transaction() as session:
        province = Unit(code="P", name="Tỉnh thử nghiệm", kind="province")
        districts = [Unit(code=f"D{d}", name=f"Huyện {d}", kind="district", parent=province)
                     for d in range(5)]
        communes = [Unit(code=f"C{c:02d}", name=f"Xã {c}", kind="commune",
                         parent=districts[c // 10]) for c in range(50)]
        session.add_all([province, *districts, *communes])
        session.flush()
        tokens = [accounts.register_kiosk(session, commune)[1] for commune in communes]
    db.dispose()
    return tokens


class Tablets:
    """Each tablet's answer clock: 15 s between its votes, starting two days ago."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.start = datetime.now(timezone.utc) - timedelta(days=2)
        self.counters = [itertools.count() for _ in tokens]
        self.lock = threading.Lock()

    def body(self, w: int, i: int, path: str) -> tuple[str, str, bytes, dict[str, str]]:
        t = (w * 7 + i) % len(self.tokens)
        with self.lock:
            k = next(self.counters[t])
        body = json.dumps({
            "client_id": str(uuid.uuid4()),
            "answers": {"overall": LEVELS[i % 3]},
            "answered_at": (self.start + timedelta(seconds=15 * k)).isoformat(),
        }).encode()
        return ("POST", path, body, {"Authorization": f"Bearer {self.tokens[t]}",
                                     "Content-Type": "application/json"})


def integrity(url: str, accepted: int) -> dict[str, object]:
    db = Database(url)
    with db.transaction() as session:
        stored = session.scalar(select(func.count()).select_from(Ballot))
        daily_ok = tallies.live_tallies(session) == tallies.counted_tallies(session)
        subtree_drift = breakdowns.breakdown_drift(session, TZ)
        queued = session.scalar(select(func.count()).select_from(FoldQueue))
    t0 = time.perf_counter()
    folded = 0
    while True:
        with db.transaction() as session:
            n = folding.fold_pending(session, TZ)
        if not n:
            break
        folded += n
    fold_seconds = time.perf_counter() - t0
    with db.transaction() as session:
        after_fold = breakdowns.breakdown_drift(session, TZ)
    db.dispose()
    return {"votes_201": accepted, "ballots_stored": stored, "daily_equals_recount": daily_ok,
            "subtree_plus_queue_drift": subtree_drift, "queued_at_end": queued,
            "folded": folded, "fold_per_second": round(folded / fold_seconds, 1)
            if folded else None, "subtree_drift_after_fold": after_fold}


def measure_tree(label: str, root: Path, args: argparse.Namespace,
                 levels: list[int]) -> dict[str, object]:
    with scratch_database(f"survey_bench_votes_{label}") as url, \
            scratch_database(f"survey_bench_lean_{label}") as lean_url:
        tokens = seed_kiosk_scenario(url)
        lean_tokens = seed_kiosk_scenario(lean_url)
        inproc = json.loads(subprocess.run(
            [sys.executable, "-c", IN_PROCESS, url, SECRET, json.dumps(tokens), "200"],
            cwd=root, check=True, capture_output=True, text=True,
            env={**os.environ, "SURVEY_SECRET_KEY": SECRET}).stdout.strip().splitlines()[-1])
        print(f"[{label}] in-process: {inproc}", flush=True)
        accepted = [0]
        lock = threading.Lock()

        def record(_w: int, _i: int, status: int, _data: bytes) -> None:
            if status == 201:
                with lock:
                    accepted[0] += 1

        rows = []
        app_tablets, lean_tablets = Tablets(tokens), Tablets(lean_tokens)
        with gunicorn(lean_url, workers=args.workers, threads=1, app="bench.lean_reference:app",
                      worker_class="sync") as lean, \
                gunicorn(url, workers=args.workers, threads=1, root=root,
                         worker_class="sync") as server:
            for c in levels:
                ref = run_load("lean", lean.port, c, args.seconds, 500_000,
                               lambda w, i: lean_tablets.body(w, i, "/votes"))
                got = run_load("votes", server.port, c, args.seconds, 500_000,
                               lambda w, i: app_tablets.body(w, i, "/api/v1/votes"), record)
                ratio = got.throughput / ref.throughput if ref.throughput else 0.0
                rows.append({"concurrency": c, "lean": ref.summary(), "votes": got.summary(),
                             "ratio": round(ratio, 3)})
                print(f"[{label}] c={c:>3} lean {ref.throughput:7.1f}/s p50 "
                      f"{ref.percentile(50):6.2f} p99 {ref.percentile(99):7.2f} ms | app "
                      f"{got.throughput:7.1f}/s p50 {got.percentile(50):6.2f} p99 "
                      f"{got.percentile(99):7.2f} ms (server p50 "
                      f"{got.summary()['server_p50_ms']} ms) | "
                      f"ratio {ratio:.2f} | "
                      f"non-2xx {got.statuses} errors {got.errors}", flush=True)
        check = integrity(url, accepted[0] + int(inproc["votes"]))
        print(f"[{label}] integrity: {check}", flush=True)
        return {"root": str(root), "in_process": inproc, "runs": rows, "integrity": check}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", default="1,32")
    parser.add_argument("--base", type=Path, help="a checkout to measure first (before)")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    trees = ([("before", args.base)] if args.base else []) + [("after", ROOT)]
    results = {label: measure_tree(label, root, args, levels) for label, root in trees}
    out = write_results("votes", {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "load_average_before": [round(x, 2) for x in load],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "gunicorn": {"workers": args.workers, "worker_class": "sync"},
        "seconds_per_step": args.seconds, "trees": results,
    })
    print(f"written {out}")
    bad = [label for label, r in results.items()
           if r["integrity"]["ballots_stored"] != r["integrity"]["votes_201"]  # type: ignore[index]
           or not r["integrity"]["daily_equals_recount"]]  # type: ignore[index]
    if bad:
        sys.exit(f"integrity failed: {bad}")


if __name__ == "__main__":
    main()
