"""``python -m survey_app.verify FILE``: check an open-data JSON file against its hashes.

For each snapshot in the file it recomputes the content hash from the public cells and the
restricted part's digest (``domain/snapshot_hash.py``, documented in docs/open-data.md) — under
``survey-snapshot-v3`` also the salted counter digest of every unit whose counter cells and salt
are published — and checks that every unit's (and published counter's) counts are the sums of
its cells and its rate and interval follow from them (``share3-v1``). Exit status 0 when
everything matches, 1 otherwise, 2 for a file that cannot be read. Needs only the standard
library and this package's domain modules.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from typing import Any

from .domain import rounding, snapshot_hash
from .domain.shares import Tally, satisfaction_rate, wilson_interval


def _pct(value: Any) -> float | None:
    found = rounding.percent(value)
    return None if found is None else float(found)


def _figure_problems(name: str, f: dict[str, Any], counts: Counter[str]) -> list[str]:
    """Whether a published figure's n, counts, rate and interval follow from its cells."""
    tally = Tally.from_counts(counts)
    interval = wilson_interval(tally.very_satisfied + tally.satisfied, tally.total)
    expected = {"n": tally.total, "counts": tally.counts(),
                "satisfaction_rate": _pct(satisfaction_rate(tally)),
                "interval95": ({"low": _pct(interval[0]), "high": _pct(interval[1])}
                               if interval else None)}
    return [f"{name}: {key} {f.get(key)!r} ≠ {value!r} from the cells"
            for key, value in expected.items() if f.get(key) != value]


def check_snapshot(snap: dict[str, Any]) -> list[str]:
    """What does not match in one snapshot of the file (empty when all is well)."""
    problems = []
    lines = [(str(u), str(d), str(k), str(s), str(lv), int(n))
             for u, d, k, s, lv, n in snap["cells"]]
    salts: dict[str, str] = snap.get("counter_salts") or {}
    digests: dict[str, str] = dict(snap.get("counter_digests") or {})
    groups: dict[str, list[snapshot_hash.Line]] = defaultdict(list)
    public = []
    for line in lines:
        if snapshot_hash.is_public(line[1], line[3]):
            public.append(line)
        elif line[1] == "counter" and line[3] == "valid" and line[0] in salts:
            groups[line[0]].append(line)
        else:
            problems.append(f"the file lists a cell that is not public: {line}")
    for unit, salt in salts.items():
        found = snapshot_hash.counter_digest(salt, groups[unit])
        if digests.get(unit) != found:
            problems.append(f"{unit}: counter digest {found} ≠ published {digests.get(unit)}")
        digests[unit] = found
    digest = snapshot_hash.combine(snap["hash_rule"], snap["root"], snap["from"], snap["to"],
                                   snapshot_hash.part_digest(public), snap["restricted_digest"],
                                   digests)
    if digest != snap["content_hash"]:
        problems.append(f"content hash {digest} ≠ published {snap['content_hash']}")
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    by_counter: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for unit, dim, key, _status, level, n in lines:
        if dim == "channel":
            counts[unit][level] += n
        elif dim == "counter":
            by_counter[(unit, key)][level] += n
    for f in snap["figures"]:
        problems += _figure_problems(f["unit"], f, counts[f["unit"]])
    for f in snap.get("counters") or []:
        problems += _figure_problems(f"{f['unit']} {f['counter']}", f,
                                     by_counter[(f["unit"], f["key"])])
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m survey_app.verify FILE.json", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8-sig") as fh:
            data = json.load(fh)
        snapshots = data["snapshots"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"cannot read {args[0]}: {exc}", file=sys.stderr)
        return 2
    bad = 0
    for snap in snapshots:
        try:
            problems = check_snapshot(snap)
        except (KeyError, TypeError, ValueError) as exc:
            problems = [f"malformed snapshot: {exc}"]
        name = f"{snap.get('root')} {snap.get('from')}..{snap.get('to')}"
        if problems:
            bad += 1
            print(f"KHÔNG khớp / MISMATCH {name}")
            for p in problems:
                print(f"  {p}")
        else:
            print(f"khớp / OK {name} sha256 {snap['content_hash']}")
    print(f"{len(snapshots) - bad} of {len(snapshots)} snapshot(s) match.")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
