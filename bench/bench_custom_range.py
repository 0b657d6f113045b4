"""A province's dashboard over a custom range that is not whole months: edge days are recounted
from the ballots. Grouped in SQL (what the service does) against the Python recount.

    .venv/bin/python bench/bench_custom_range.py [--ballots 1000000] [--repeat 5]

A scratch PostgreSQL database gets the province of ``bench_dashboard.py`` (30 districts, 300
communes) and ``--ballots`` ballots between 2 and 31 August 2025, spread over communes, working
hours, channels, levels and procedure fields. The range 2025-08-02 … 2025-08-31 has no whole
month, so every ballot of it is read. Timed in-process (``build_dashboard`` for the province).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402

from bench.bench_dashboard import seed  # noqa: E402
from bench.common import sample, scratch_database, write_results  # noqa: E402
from survey_app import create_app  # noqa: E402
from survey_app.db import Database, get_db  # noqa: E402
from survey_app.domain.periods import Period  # noqa: E402
from survey_app.models import Unit  # noqa: E402
from survey_app.services import dashboard  # noqa: E402


def add_ballots(url: str, n: int) -> None:
    db = Database(url)
    with db.transaction() as s:
        s.execute(text("""
            INSERT INTO ballot (client_id, unit_id, channel, questionnaire_id, answered_at,
                                received_at, counted_at, local_day, level, status,
                                respondent_group, procedure_field, content_hash)
            SELECT gen_random_uuid(), ids[1 + g % 300], (ARRAY['kiosk', 'paper'])[1 + g % 2],
                   q, ts, ts, ts, (ts AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,
                   (ARRAY['very_satisfied', 'satisfied', 'not_satisfied'])[1 + g % 3], 'valid',
                   'citizen', (ARRAY['Đất đai', 'Hộ tịch', 'Chứng thực', 'Kinh doanh'])[1 + g % 4],
                   md5(g::text) || md5(g::text)
            FROM generate_series(1, :n) g,
                 (SELECT array_agg(id ORDER BY id) AS ids FROM unit WHERE kind = 'commune') u,
                 (SELECT min(id) AS q FROM questionnaire) qq,
                 LATERAL (SELECT timestamptz '2025-08-02 07:30+07'
                          + make_interval(days => g % 30, hours => g % 10, mins => g % 60)
                          AS ts) t"""), {"n": n})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE ballot"))
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    period = Period(date(2025, 8, 2), date(2025, 8, 31))
    with scratch_database("survey_bench_custom") as url:
        t0 = time.perf_counter()
        seed(url)
        add_ballots(url, args.ballots)
        seeded = round(time.perf_counter() - t0, 1)
        print(f"seeded {args.ballots:,} ballots in {seeded} s", flush=True)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "k" * 40})
        tz = ZoneInfo(app.config["TIMEZONE"])

        def build() -> int:
            with get_db(app).transaction() as s:
                unit = s.scalar(select(Unit).where(Unit.code == "P"))
                return dashboard.build_dashboard(s, unit, period, min_n=30, tz=tz).overall.n

        n = build()
        assert n == args.ballots, (n, args.ballots)
        grouped = sample(build, args.repeat, warmup=1)
        with mock.patch.object(dashboard, "grouped_breakdowns", return_value=None):
            assert build() == n
            python = sample(build, max(1, args.repeat // 2), warmup=0)
        get_db(app).dispose()
    print(f"province 2–31 Aug 2025, n = {n:,}: grouped in SQL {grouped['median_ms']} ms "
          f"(p95 {grouped['p95_ms']}); Python recount {python['median_ms']} ms")
    out = write_results("custom_range", {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "ballots": args.ballots, "seed_seconds": seeded, "n": n,
        "grouped_sql": grouped, "python_recount": python,
        "note": "build_dashboard in-process, PostgreSQL on loopback, 2 shared cores",
    })
    print(f"written {out}")


if __name__ == "__main__":
    main()
