"""Vote submission against a trivial endpoint on the same gunicorn + PostgreSQL, same run.

    .venv/bin/python bench/bench_votes.py [--seconds 15] [--workers 4] [--threads 4]

For 1, 8 and 32 concurrent keep-alive clients it measures GET /ping (no database) and then
POST /api/v1/votes (kiosk tokens, fresh client_ids), and reports throughput, p50 and p99 and the
ratio of the two. Afterwards it checks that the database holds exactly the votes that got a 201
and that the rollup equals a recount. The client runs on the same 2 cores as the server, so the
absolute numbers are a floor; compare ratios.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench.common import gunicorn, run_load, scratch_database, write_results  # noqa: E402
from survey_app.db import Database  # noqa: E402
from survey_app.models import Ballot, Unit  # noqa: E402
from survey_app.services import accounts, tallies  # noqa: E402


def seed(url: str, devices: int) -> list[str]:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--concurrency", default="1,8,32")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]

    with scratch_database("survey_bench_votes") as url:
        tokens = seed(url, 200)
        accepted: set[str] = set()
        rows = []
        with gunicorn(url, workers=args.workers, threads=args.threads) as server:
            port = server.port
            for c in levels:
                ping = run_load("ping", port, c, args.seconds, 200_000,
                                lambda w, i: ("GET", "/ping", None, {}))

                def vote_request(w: int, i: int) -> tuple[str, str, bytes, dict[str, str]]:
                    body = json.dumps({
                        "client_id": str(uuid.uuid4()),
                        "answers": {"overall": ("very_satisfied", "satisfied",
                                                "not_satisfied")[i % 3]},
                        "answered_at": datetime.now(timezone.utc).isoformat(),
                    }).encode()
                    return ("POST", "/api/v1/votes", body,
                            {"Authorization": f"Bearer {tokens[(w * 7 + i) % len(tokens)]}",
                             "Content-Type": "application/json"})

                def record(w: int, i: int, status: int, data: bytes) -> None:
                    if status == 201:
                        accepted.add(json.loads(data)["client_id"])

                votes = run_load("votes", port, c, args.seconds, 200_000, vote_request, record)
                ratio = votes.throughput / ping.throughput if ping.throughput else 0
                rows.append({"concurrency": c, "ping": ping.summary(), "votes": votes.summary(),
                             "votes_per_ping": round(ratio, 3)})
                print(f"c={c:>3}  ping {ping.throughput:8.1f}/s p50 {ping.percentile(50):6.2f} "
                      f"p99 {ping.percentile(99):6.2f} ms | votes {votes.throughput:8.1f}/s "
                      f"p50 {votes.percentile(50):6.2f} p99 {votes.percentile(99):6.2f} ms "
                      f"| ratio {ratio:.2f} | non-2xx {votes.statuses} errors {votes.errors}",
                      flush=True)

        db = Database(url)
        with db.transaction() as session:
            stored = session.scalar(select(func.count()).select_from(Ballot))
            rollup_ok = tallies.live_tallies(session) == tallies.counted_tallies(session)
        db.dispose()
        check = {"votes_201": len(accepted), "ballots_stored": stored,
                 "rollup_equals_recount": rollup_ok}
        print("integrity:", check)
        out = write_results("votes", {
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "gunicorn": {"workers": args.workers, "threads": args.threads,
                         "worker_class": "gthread"},
            "seconds_per_step": args.seconds, "runs": rows, "integrity": check,
        })
        print(f"written {out}")
        if stored != len(accepted) or not rollup_ok:
            sys.exit(1)


if __name__ == "__main__":
    main()
