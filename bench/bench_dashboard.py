"""Officer dashboard of a province with about 10 million votes in its subtree: server time.

    .venv/bin/python bench/bench_dashboard.py [--repeat 20]   # BENCH_KEEP=1 keeps the database

A scratch PostgreSQL database gets a province, 30 districts and 300 communes with two counters
each, and the rollups of about 10 M votes over three years (2023–2025), filled with SQL the way
the vote path leaves them: ``daily_tally`` per commune and day, ``monthly_tally`` summed from
it, and ``subtree_tally`` per commune and month (channel, counter, procedure field, respondent
group, weekday-hour, reason), then summed into every district and the province. The ballot
table stays empty: for whole months (month, quarter, half-year, year) the dashboard reads only
rollups, so the ballots would change nothing here; partial months of a custom range are
recounted from ballots and are not what this measures.

Timed in-process through the Flask app (server time, no network), signed in as an admin:
``build_dashboard`` alone, and the whole page ``GET /officer/dashboard`` for all three years
(every vote), a year, a quarter and a month of the province, plus ``GET /ping`` on the same app
in the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, insert, select, text  # noqa: E402

from bench.common import sample, scratch_database, write_results  # noqa: E402
from survey_app import create_app  # noqa: E402
from survey_app.db import Database, get_db  # noqa: E402
from survey_app.domain.periods import Period, month, quarter, year  # noqa: E402
from survey_app.models import MonthlyTally, Unit  # noqa: E402
from survey_app.services import accounts, tallies  # noqa: E402
from survey_app.services.dashboard import build_dashboard  # noqa: E402

PASSWORD = "bench-password-long"
FIELDS = "ARRAY['Đất đai','Hộ tịch','Chứng thực','Kinh doanh','Xây dựng','Tư pháp']"
REASONS = "ARRAY['waiting_time','staff_attitude','procedure','fees','facilities','other']"


def seed(url: str) -> None:
    db = Database(url)
    with db.transaction() as s:
        s.execute(text("INSERT INTO unit (code, name, kind, created_at) "
                       "VALUES ('P', 'Tỉnh Quảng Nam', 'province', now())"))
        s.execute(text(
            "INSERT INTO unit (code, name, kind, parent_id, created_at) "
            "SELECT 'D' || d, 'Huyện số ' || d, 'district', "
            "(SELECT id FROM unit WHERE code = 'P'), now() FROM generate_series(1, 30) d"))
        s.execute(text(
            "INSERT INTO unit (code, name, kind, parent_id, created_at) "
            "SELECT 'C' || c, 'Xã số ' || c, 'commune', "
            "(SELECT id FROM unit WHERE code = 'D' || (1 + (c - 1) % 30)), now() "
            "FROM generate_series(1, 300) c"))
        s.execute(text(
            "INSERT INTO counter (unit_id, code, name, active) "
            "SELECT u.id, 'Q' || q, 'Quầy số ' || q, true FROM unit u "
            "CROSS JOIN generate_series(1, 2) q WHERE u.kind = 'commune'"))
        accounts.create_user(s, "bench", "admin", PASSWORD)
    db.dispose()


def fill(url: str) -> None:
    """About 10 M votes: 300 communes × 3 years of days × 2 channels × 3 levels, 1–9 each."""
    db = Database(url)
    with db.transaction() as s:
        s.execute(text(
            "INSERT INTO daily_tally (unit_id, day, channel, status, level, count) "
            "SELECT u.id, d::date, ch, 'valid', lv, 1 + floor(random() * 9)::int "
            "FROM unit u "
            "CROSS JOIN generate_series(DATE '2023-01-01', DATE '2025-12-31', "
            "  interval '1 day') d "
            "CROSS JOIN unnest(ARRAY['kiosk', 'paper']) ch "
            "CROSS JOIN unnest(ARRAY['very_satisfied', 'satisfied', 'not_satisfied']) lv "
            "WHERE u.kind = 'commune'"))
        s.execute(delete(MonthlyTally))
        s.execute(insert(MonthlyTally).from_select(
            ["unit_id", "month", "channel", "status", "level", "count"],
            tallies._daily_by_month(s)))
        # Each commune-month-channel-level count goes whole into one key of every dimension
        # (so each dimension sums to the total); keys vary by unit and month, as real ones do.
        s.execute(text(f"""
            INSERT INTO subtree_tally (unit_id, month, dimension, key, status, level, count)
            SELECT unit_id, month, dim, key, status, level, sum(count) FROM (
              SELECT m.unit_id, m.month, v.dim, v.key, m.status, m.level, m.count
              FROM monthly_tally m
              JOIN unit u ON u.id = m.unit_id
              CROSS JOIN LATERAL (VALUES
                ('channel', m.channel),
                ('counter', CASE WHEN m.channel = 'kiosk' THEN (
                    SELECT c.id::text FROM counter c WHERE c.unit_id = m.unit_id
                    ORDER BY c.id LIMIT 1 OFFSET (extract(month FROM m.month)::int % 2))
                  ELSE '' END),
                ('field', ({FIELDS})[1 + (m.unit_id + extract(month FROM m.month)::int) % 6]),
                ('group', CASE WHEN m.level = 'not_satisfied' THEN 'enterprise'
                  ELSE 'citizen' END),
                ('hour', (1 + (m.unit_id + length(m.level)) % 6)::text || '-' ||
                  lpad((7 + (m.unit_id * 3 + extract(month FROM m.month)::int
                    + length(m.channel)) % 11)::text, 2, '0'))
              ) AS v(dim, key)
              UNION ALL
              SELECT m.unit_id, m.month, 'reason',
                ({REASONS})[1 + (m.unit_id + extract(month FROM m.month)::int) % 6],
                m.status, m.level, greatest(1, m.count / 2)
              FROM monthly_tally m WHERE m.level = 'not_satisfied'
            ) cells GROUP BY unit_id, month, dim, key, status, level"""))
        for kind in ("commune", "district"):  # sum each level into its parent
            s.execute(text("""
                INSERT INTO subtree_tally (unit_id, month, dimension, key, status, level, count)
                SELECT u.parent_id, t.month, t.dimension, t.key, t.status, t.level,
                       sum(t.count)
                FROM subtree_tally t JOIN unit u ON u.id = t.unit_id
                WHERE u.kind = :kind
                GROUP BY u.parent_id, t.month, t.dimension, t.key, t.status, t.level"""),
                {"kind": kind})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("daily_tally", "monthly_tally", "subtree_tally"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    db.dispose()


def counts(url: str) -> dict[str, int]:
    db = Database(url)
    with db.transaction() as s:
        out = {t: int(s.scalar(text(f"SELECT count(*) FROM {t}")) or 0)
               for t in ("daily_tally", "monthly_tally", "subtree_tally")}
        out["votes"] = int(s.scalar(text("SELECT sum(count) FROM daily_tally")) or 0)
        out["province_channel_sum"] = int(s.scalar(text(
            "SELECT sum(count) FROM subtree_tally t JOIN unit u ON u.id = t.unit_id "
            "WHERE u.code = 'P' AND t.dimension = 'channel'")) or 0)
    db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with scratch_database("survey_bench_dashboard") as url:
        t0 = time.perf_counter()
        seed(url)
        fill(url)
        seeded = round(time.perf_counter() - t0, 1)
        sizes = counts(url)
        assert sizes["province_channel_sum"] == sizes["votes"], sizes
        print(f"seeded in {seeded} s: {sizes}", flush=True)

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "k" * 40,
                          "WTF_CSRF_ENABLED": False})
        client = app.test_client()
        r = client.post("/login", data={"username": "bench", "password": PASSWORD})
        assert r.status_code == 302, r.status_code
        tz = ZoneInfo(app.config["TIMEZONE"])
        periods = {"2023-2025 (all)": (Period(date(2023, 1, 1), date(2025, 12, 31)),
                                       "kind=custom&from=2023-01-01&to=2025-12-31"),
                   "year 2025": (year(2025), "kind=year&year=2025"),
                   "quarter Q2 2025": (quarter(2025, 2), "kind=quarter&year=2025&part=2"),
                   "month 11/2025": (month(2025, 11), "kind=month&year=2025&part=11")}
        rows = []
        ping = sample(lambda: client.get("/ping"), args.repeat)
        for label, (period, query) in periods.items():
            def service(period=period) -> None:  # type: ignore[no-untyped-def]
                with get_db(app).transaction() as s:
                    unit = s.scalar(select(Unit).where(Unit.code == "P"))
                    d = build_dashboard(s, unit, period, min_n=30, tz=tz)
                    assert d.overall.n > 0 and len(d.children) == 30

            def page(query=query) -> None:  # type: ignore[no-untyped-def]
                r = client.get(f"/officer/dashboard?unit=P&{query}")
                assert r.status_code == 200, r.status_code

            row = {"period": label, "service": sample(service, args.repeat),
                   "page": sample(page, args.repeat)}
            with get_db(app).transaction() as s:
                unit = s.scalar(select(Unit).where(Unit.code == "P"))
                row["n"] = build_dashboard(s, unit, period, min_n=30, tz=tz).overall.n
            rows.append(row)
            print(f"{label:>16}: n {row['n']:>10,} | service {row['service']['median_ms']} ms "
                  f"(p95 {row['service']['p95_ms']}) | page {row['page']['median_ms']} ms "
                  f"(p95 {row['page']['p95_ms']}) | ping {ping['median_ms']} ms", flush=True)
        xlsx = sample(lambda: client.get("/officer/dashboard/export.xlsx?unit=P&kind=year"
                                         "&year=2025"), max(5, args.repeat // 4))
        print(f"XLSX export, province year: {xlsx['median_ms']} ms (p95 {xlsx['p95_ms']})")
        get_db(app).dispose()
    out = write_results("dashboard", {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "date": date.today().isoformat(), "repeat": args.repeat, "seed_seconds": seeded,
        "sizes": sizes, "ping": ping, "periods": rows, "xlsx_year": xlsx,
        "target": "province dashboard page < 300 ms server time",
        "note": "in-process through the Flask app (no network), PostgreSQL on loopback, "
                "2 shared cores",
    })
    print(f"written {out}")


if __name__ == "__main__":
    main()
