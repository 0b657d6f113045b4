"""Declarative partitioning of a ballot-shaped table by month, measured on generated rows.

    .venv/bin/python bench/bench_partitions.py [--rows 1000000] [--months 24]

Builds two tables in a scratch database with the ballot's hot columns — one plain, one
``PARTITION BY RANGE (local_day)`` with a partition per month — fills both with the same
generated rows (units, days, levels spread evenly), and times: the bulk load, one unit's month
(the dashboard's edge-day recount), a year of one unit, the size of the indexes a vote's insert
must update, and retiring the oldest month (``DELETE`` vs ``DETACH`` + ``DROP``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.common import sample, scratch_database, write_results  # noqa: E402

COLUMNS = """id bigint NOT NULL, client_id uuid NOT NULL, unit_id int NOT NULL,
  local_day date NOT NULL, counted_at timestamptz NOT NULL, level varchar(16),
  status varchar(8) NOT NULL"""
FILL = """INSERT INTO {table}
SELECT g, md5(g::text)::uuid, 1 + g % 3000, DATE '2025-01-01' + (g % ({months} * 30)),
       TIMESTAMPTZ '2025-01-01' + (g % ({months} * 30)) * INTERVAL '1 day',
       (ARRAY['very_satisfied','satisfied','not_satisfied'])[1 + g % 3], 'valid'
FROM generate_series(1, {rows}) g"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args()
    out: dict[str, object] = {"rows": args.rows, "months": args.months}
    with scratch_database("survey_bench_partitions") as url:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"CREATE TABLE plain ({COLUMNS}, PRIMARY KEY (id))"))
            conn.execute(text(f"CREATE TABLE parted ({COLUMNS}, PRIMARY KEY (id, local_day)) "
                              "PARTITION BY RANGE (local_day)"))
            for m in range(args.months + 1):
                conn.execute(text(
                    f"CREATE TABLE parted_{m} PARTITION OF parted FOR VALUES FROM "
                    f"(DATE '2025-01-01' + INTERVAL '{m} month') TO "
                    f"(DATE '2025-01-01' + INTERVAL '{m + 1} month')"))
            for table in ("plain", "parted"):
                conn.execute(text(f"CREATE INDEX ON {table} (unit_id, local_day)"))
                t0 = time.perf_counter()
                conn.execute(text(FILL.format(table=table, rows=args.rows, months=args.months)))
                out[f"{table}_load_s"] = round(time.perf_counter() - t0, 2)
                conn.execute(text(f"VACUUM ANALYZE {table}"))
            for table in ("plain", "parted"):
                month = text(f"SELECT level, count(*) FROM {table} WHERE unit_id = 17 AND "
                             "local_day BETWEEN DATE '2026-03-01' AND DATE '2026-03-31' "
                             "GROUP BY level")
                year = text(f"SELECT level, count(*) FROM {table} WHERE unit_id = 17 AND "
                            "local_day BETWEEN DATE '2025-07-01' AND DATE '2026-06-30' "
                            "GROUP BY level")
                out[f"{table}_unit_month"] = sample(lambda q=month: conn.execute(q).all(), 30)
                out[f"{table}_unit_year"] = sample(lambda q=year: conn.execute(q).all(), 30)
            out["plain_total_mb"] = conn.execute(text(
                "SELECT pg_total_relation_size('plain') / 1048576")).scalar()
            out["parted_newest_partition_mb"] = conn.execute(text(
                f"SELECT pg_total_relation_size('parted_{args.months - 1}') / 1048576")).scalar()
            t0 = time.perf_counter()
            conn.execute(text("DELETE FROM plain WHERE local_day < DATE '2025-02-01'"))
            out["plain_delete_oldest_month_s"] = round(time.perf_counter() - t0, 3)
            t0 = time.perf_counter()
            conn.execute(text("ALTER TABLE parted DETACH PARTITION parted_0"))
            conn.execute(text("DROP TABLE parted_0"))
            out["parted_detach_drop_oldest_month_s"] = round(time.perf_counter() - t0, 3)
        engine.dispose()
    for key, value in out.items():
        print(f"{key}: {value}")
    write_results("partitions", out)


if __name__ == "__main__":
    main()
