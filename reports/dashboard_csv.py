"""The dashboard as one CSV: a first column naming the table, then the same columns as the XLSX.
UTF-8, with a byte-order mark on request so Excel shows the diacritics. Rows are written by
:func:`reports.cells.csv_writer`: text such as ``=1+1`` gets an apostrophe, numbers stay numbers."""

from __future__ import annotations

import io

from survey_app.domain.dashboard import Dashboard

from .cells import csv_writer
from .dashboard_tables import tables

BOM = b"\xef\xbb\xbf"


def dashboard_csv(d: Dashboard, *, bom: bool = True) -> bytes:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["Đơn vị", f"{d.unit_name} ({d.unit_code})"])
    writer.writerow(["Kỳ", d.period_label, d.period.start.isoformat(), d.period.end.isoformat()])
    writer.writerow(["Nguồn", f"bản chốt {d.snapshot.content_hash}" if d.snapshot
                     else "số liệu hiện tại", "Quy tắc làm tròn", d.rule, "n tối thiểu", d.min_n])
    for table in tables(d):
        writer.writerow([])
        writer.writerow(["Bảng", *table.headers])
        for row in table.rows:
            writer.writerow([table.title, *("" if v is None else v for v in row)])
    data = out.getvalue().encode("utf-8")
    return BOM + data if bom else data
