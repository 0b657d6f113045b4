"""Figures-query time for one unit and year as the rollups grow to about 10 million votes.

    .venv/bin/python bench/bench_figures.py [--repeat 30]

A scratch PostgreSQL database gets a province, 30 districts and 300 communes, and the daily
rollup is filled directly with SQL in three stages (about 0.1 M, 1 M and 10 M votes), the monthly
one derived from it as ``tallies rebuild`` does. After each
stage it times, in-process and through the Flask app (server time, no network):

- one commune, one year (plain figures);
- one district and its communes, one year (``subtree=1``);
- the province and all 331 units, one year (``subtree=1``).

Reported: median and 95th percentile over ``--repeat`` runs, and a trivial request on the same
app in the same run for scale.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, insert, text  # noqa: E402

from bench.common import sample, scratch_database, write_results  # noqa: E402
from survey_app import create_app  # noqa: E402
from survey_app.db import Database, get_db  # noqa: E402
from survey_app.models import MonthlyTally  # noqa: E402
from survey_app.services import accounts, tallies  # noqa: E402

STAGES = [
    # (label, communes, first day, last day, max count per cell)
    ("~0.1M", 30, "2026-01-01", "2026-12-31", 2),
    ("~1M", 300, "2026-01-01", "2026-12-31", 2),
    ("~10M", 300, "2023-01-01", "2025-12-31", 9),
]


def seed_units(url: str) -> str:
    db = Database(url)
    with db.transaction() as s:
        s.execute(text("INSERT INTO unit (code, name, kind, created_at) "
                       "VALUES ('P', 'Tỉnh', 'province', now())"))
        s.execute(text(
            "INSERT INTO unit (code, name, kind, parent_id, created_at) "
            "SELECT 'D' || d, 'Huyện ' || d, 'district', (SELECT id FROM unit WHERE code = 'P'), "
            "now() FROM generate_series(1, 30) d"))
        s.execute(text(
            "INSERT INTO unit (code, name, kind, parent_id, created_at) "
            "SELECT 'C' || c, 'Xã ' || c, 'commune', "
            "(SELECT id FROM unit WHERE code = 'D' || (1 + (c - 1) % 30)), now() "
            "FROM generate_series(1, 300) c"))
        admin = accounts.create_user(s, "bench", "admin", "bench-password-long")
        token = accounts.create_api_token(s, admin)
    db.dispose()
    return token


def fill(url: str, communes: int, first: str, last: str, max_count: int) -> None:
    db = Database(url)
    with db.transaction() as s:
        s.execute(text(
            "INSERT INTO daily_tally (unit_id, day, channel, status, level, count) "
            "SELECT u.id, d::date, ch, 'valid', lv, 1 + floor(random() * :mx)::int "
            "FROM unit u "
            "CROSS JOIN generate_series(CAST(:first AS date), CAST(:last AS date), "
            "  interval '1 day') d "
            "CROSS JOIN unnest(ARRAY['kiosk', 'paper']) ch "
            "CROSS JOIN unnest(ARRAY['very_satisfied', 'satisfied', 'not_satisfied']) lv "
            "WHERE u.kind = 'commune' AND substr(u.code, 2)::int <= :n "
            "ON CONFLICT DO NOTHING"),
            {"first": first, "last": last, "mx": max_count, "n": communes})
        # the monthly rollup, as `tallies rebuild` derives it from the daily one
        s.execute(delete(MonthlyTally))
        s.execute(insert(MonthlyTally).from_select(
            ["unit_id", "month", "channel", "status", "level", "count"],
            tallies._daily_by_month(s)))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE daily_tally"))
        conn.execute(text("VACUUM ANALYZE monthly_tally"))
    db.dispose()


def totals(url: str) -> tuple[int, int]:
    db = Database(url)
    with db.transaction() as s:
        cells, votes = s.execute(text(
            "SELECT count(*), coalesce(sum(count), 0) FROM daily_tally")).one()
    db.dispose()
    return int(cells), int(votes)


def timed(client, path: str, headers: dict[str, str], repeat: int) -> dict[str, float]:
    def get() -> None:
        assert client.get(path, headers=headers).status_code == 200

    return sample(get, repeat, warmup=3)  # warm caches and prepared statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    year = "from=2026-01-01&to=2026-12-31"
    results = []
    with scratch_database("survey_bench_figures") as url:
        token = seed_units(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "k" * 40})
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        for label, communes, first, last, max_count in STAGES:
            t0 = time.perf_counter()
            fill(url, communes, first, last, max_count)
            cells, votes = totals(url)
            row = {
                "stage": label, "rollup_cells": cells, "votes": votes,
                "fill_seconds": round(time.perf_counter() - t0, 1),
                "ping": timed(client, "/ping", {}, args.repeat),
                "commune_year": timed(client, f"/api/v1/figures?unit=C1&{year}", headers,
                                      args.repeat),
                "district_subtree_year": timed(
                    client, f"/api/v1/figures?unit=D1&{year}&subtree=1", headers, args.repeat),
                "province_subtree_year": timed(
                    client, f"/api/v1/figures?unit=P&{year}&subtree=1", headers, args.repeat),
            }
            results.append(row)
            print(f"{label:>6}: {votes:>11,} votes in {cells:>9,} cells | ping "
                  f"{row['ping']['median_ms']} ms | commune-year "
                  f"{row['commune_year']['median_ms']} ms | district subtree "
                  f"{row['district_subtree_year']['median_ms']} ms | province subtree "
                  f"{row['province_subtree_year']['median_ms']} ms (p95 "
                  f"{row['province_subtree_year']['p95_ms']})", flush=True)
        get_db(app).dispose()
    out = write_results("figures", {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "repeat": args.repeat, "stages": results,
        "note": "server time through the Flask app in-process (no network), PostgreSQL local",
        "date": date.today().isoformat(),
    })
    print(f"written {out}")


if __name__ == "__main__":
    main()
