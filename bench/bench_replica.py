"""Votes to a PostgreSQL primary while figures are served from a streaming replica, on loopback.

    .venv/bin/python bench/bench_replica.py [--seconds 10]

Starts its own two PostgreSQL instances in temporary directories (``initdb`` and
``pg_basebackup -R`` as the ``postgres`` system user; the machine's own cluster is not
touched): a primary and a streaming replica. The kiosk scenario of bench_votes.py is seeded on
the primary; one gunicorn (2 sync workers) serves votes from the primary, a second serves
``GET /api/v1/figures`` (province subtree, this year) from the replica. Both loads run at the
same time; then the replica's figures must equal the primary's once replay caught up, and the
replay lag seen during the run is reported.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench.bench_votes import Tablets, seed_kiosk_scenario  # noqa: E402
from bench.common import free_port, gunicorn, run_load, write_results  # noqa: E402
from survey_app.db import Database, alembic_config  # noqa: E402
from survey_app.services import accounts  # noqa: E402

PG_BIN = next(Path("/usr/lib/postgresql").glob("*/bin"), Path("/usr/bin"))


def _as_postgres(*args: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@contextmanager
def primary_and_replica() -> Iterator[tuple[str, str]]:
    base = Path(tempfile.mkdtemp(prefix="survey-replica-"))
    shutil.chown(base, "postgres", "postgres")
    primary, replica = base / "primary", base / "replica"
    p_port, r_port = free_port(), free_port()
    started: list[Path] = []
    try:
        _as_postgres(str(PG_BIN / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres")
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(primary), "-l", str(base / "p.log"),
                     "-o", f"-p {p_port} -k {base} -c listen_addresses=127.0.0.1", "-w", "start")
        started.append(primary)
        _as_postgres(str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(p_port),
                     "-U", "postgres", "-D", str(replica), "-R", "-X", "stream")
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(replica), "-l", str(base / "r.log"),
                     "-o", f"-p {r_port} -k {base} -c listen_addresses=127.0.0.1", "-w", "start")
        started.append(replica)
        url = "postgresql+psycopg://postgres@127.0.0.1:{}/postgres"
        yield url.format(p_port), url.format(r_port)
    finally:
        for data in reversed(started):
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def get_json(port: int, path: str, token: str) -> tuple[int, dict[str, object]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    resp = conn.getresponse()
    body = json.loads(resp.read() or b"{}")
    conn.close()
    return resp.status, body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--vote-connections", type=int, default=16)
    parser.add_argument("--read-connections", type=int, default=4)
    args = parser.parse_args()
    load = os.getloadavg()
    out: dict[str, object] = {"load_average_before": [round(x, 2) for x in load]}
    with primary_and_replica() as (primary_url, replica_url):
        command.upgrade(alembic_config(primary_url), "head")
        tablets = Tablets(seed_kiosk_scenario(primary_url))
        db = Database(primary_url)
        with db.transaction() as s:
            admin = accounts.create_user(s, "bench", "admin", "bench-password-long")
            token = accounts.create_api_token(s, admin)
        year = date.today().year
        path = f"/api/v1/figures?unit=P&from={year - 1}-01-01&to={year}-12-31&subtree=1"
        lag_engine = create_engine(primary_url)
        lags: list[float] = []
        stop = threading.Event()

        def watch_lag() -> None:
            with lag_engine.connect() as conn:
                while not stop.is_set():
                    lag = conn.execute(text(
                        "SELECT extract(epoch FROM coalesce(replay_lag, interval '0')) "
                        "FROM pg_stat_replication")).scalar()
                    conn.commit()
                    if lag is not None:
                        lags.append(float(lag) * 1000)
                    time.sleep(0.2)

        with gunicorn(primary_url, workers=2, threads=1, worker_class="sync") as writer, \
                gunicorn(replica_url, workers=2, threads=1, worker_class="sync") as reader:
            # the token's last-used stamp is written on the primary, so the replica's requests
            # within the next minutes only read
            assert get_json(writer.port, path, token)[0] == 200
            time.sleep(1)
            results: dict[str, object] = {}
            watcher = threading.Thread(target=watch_lag)
            watcher.start()

            def votes() -> None:
                results["votes"] = run_load(
                    "votes", writer.port, args.vote_connections, args.seconds, 500_000,
                    lambda w, i: tablets.body(w, i, "/api/v1/votes"))

            def reads() -> None:
                results["figures"] = run_load(
                    "figures", reader.port, args.read_connections, args.seconds, 500_000,
                    lambda w, i: ("GET", path, None, {"Authorization": f"Bearer {token}"}))

            threads = [threading.Thread(target=votes), threading.Thread(target=reads)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            stop.set()
            watcher.join()
            time.sleep(1)  # replay catches up
            on_primary = get_json(writer.port, path, token)
            on_replica = get_json(reader.port, path, token)
        for name in ("votes", "figures"):
            r = results[name]
            out[name] = r.summary()  # type: ignore[attr-defined]
            print(f"{name}: {r.throughput:7.1f}/s p50 {r.percentile(50):6.2f} "  # type: ignore[attr-defined]
                  f"p99 {r.percentile(99):7.2f} ms statuses {r.statuses}",  # type: ignore[attr-defined]
                  flush=True)
        out["replay_lag_ms"] = {"samples": len(lags), "max": round(max(lags, default=0), 1),
                                "median": round(sorted(lags)[len(lags) // 2], 1) if lags else 0}
        out["figures_equal_after_catch_up"] = on_primary == on_replica
        out["n_on_primary"] = on_primary[1].get("n")
        out["n_on_replica"] = on_replica[1].get("n")
        lag_engine.dispose()
        db.dispose()
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    for key in ("replay_lag_ms", "figures_equal_after_catch_up", "n_on_primary", "n_on_replica",
                "load_average_before", "load_average_after"):
        print(f"{key}: {out[key]}")
    write_results("replica", out)
    if not out["figures_equal_after_catch_up"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
