"""Voting with and without a concurrent load on the public results page, same run.

    .venv/bin/python bench/bench_public.py [--seconds 10] [--clients 8] [--readers 8]

gunicorn + PostgreSQL as in bench_votes.py, 50 units with kiosks, one closed and published
quarter. Step 1: ``--clients`` kiosk clients vote for the given seconds. Step 2: the same vote
load while ``--readers`` clients fetch ``/cong-khai/`` as fast as they can (no If-None-Match,
so every request reaches the app, as if no shared cache were in front). Reports votes/s, p50
and p99 for both steps and the public pages served per second, then checks that every 201
vote was stored. Client and server share the 2 cores, so compare the two steps, not absolutes.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench.bench_votes import seed  # noqa: E402
from bench.common import gunicorn, run_load, scratch_database, write_results  # noqa: E402
from survey_app.db import Database  # noqa: E402
from survey_app.domain.periods import Period  # noqa: E402
from survey_app.models import Ballot, Unit  # noqa: E402
from survey_app.services import publication, snapshots  # noqa: E402


def publish_a_quarter(url: str) -> None:
    db = Database(url)
    with db.transaction() as session:
        root = session.scalar(select(Unit).where(Unit.code == "P"))
        snap = snapshots.close_period(session, root, Period(date(2025, 7, 1),
                                                            date(2025, 9, 30)), None)
        publication.publish_period(session, snap, None)
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--readers", type=int, default=8)
    args = parser.parse_args()

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

        with gunicorn(url, workers=4, threads=4) as server:
            port = server.port
            alone = run_load("votes", port, args.clients, args.seconds, 500_000, vote_request,
                             record)
            readers: dict[str, object] = {}

            def read() -> None:
                readers["r"] = run_load("public", port, args.readers, args.seconds, 500_000,
                                        lambda w, i: ("GET", "/cong-khai/", None, {}))

            thread = threading.Thread(target=read)
            thread.start()
            loaded = run_load("votes+public", port, args.clients, args.seconds, 500_000,
                              vote_request, record)
            thread.join()
            public = readers["r"]
        db = Database(url)
        with db.transaction() as session:
            stored = session.scalar(select(func.count()).select_from(Ballot))
        db.dispose()
        ratio = loaded.throughput / alone.throughput if alone.throughput else 0
        print(f"votes alone      {alone.throughput:8.1f}/s p50 {alone.percentile(50):6.2f} "
              f"p99 {alone.percentile(99):6.2f} ms")
        print(f"votes + public   {loaded.throughput:8.1f}/s p50 {loaded.percentile(50):6.2f} "
              f"p99 {loaded.percentile(99):6.2f} ms  (ratio {ratio:.2f})")
        print(f"public pages     {public.throughput:8.1f}/s p50 "  # type: ignore[attr-defined]
              f"{public.percentile(50):6.2f} p99 {public.percentile(99):6.2f} ms "  # type: ignore[attr-defined]
              f"statuses {public.statuses}")  # type: ignore[attr-defined]
        check = {"votes_201": len(accepted), "ballots_stored": stored}
        print("integrity:", check)
        out = write_results("public", {
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "seconds_per_step": args.seconds, "clients": args.clients,
            "readers": args.readers, "votes_alone": alone.summary(),
            "votes_with_public_load": loaded.summary(),
            "public": public.summary(),  # type: ignore[attr-defined]
            "votes_ratio": round(ratio, 3), "integrity": check,
        })
        print(f"written {out}")
        if stored != len(accepted):
            sys.exit(1)


if __name__ == "__main__":
    main()
