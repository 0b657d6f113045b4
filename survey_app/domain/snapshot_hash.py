"""The canonical listing of a closed period's figures and its SHA-256 content hash (pure).

A snapshot is a set of cells ``(unit code, dimension, key, status, level) → count``. Two rules:

- ``survey-snapshot-v1``: SHA-256 over a header line and every non-zero cell's line, sorted.
- ``survey-snapshot-v2`` (snapshots closed since publishing exists): the lines are split into a
  **public** part (valid votes by channel, by month and the unit's own votes — what the open
  data file publishes) and a **restricted** part (counters, procedure fields, respondent groups,
  hours, reasons, flagged votes), each part is hashed on its own, and the content hash is the
  SHA-256 of the header line, ``public\\t<digest>\\n`` and ``restricted\\t<digest>\\n``. Anyone
  holding the public lines and the restricted digest can recompute the content hash; the
  restricted lines stay private, yet cannot be changed without changing the hash.
- ``survey-snapshot-v3`` (snapshots closed since counter figures can be published): as v2, but
  each unit's valid-vote cells of its **own** counters form a part of their own, hashed with a
  random salt kept with the snapshot: ``counters\t<unit>\t<sha256(salt + sorted lines)>\n``,
  one line per unit (sorted by code) between the public and the restricted line. The restricted
  part holds every other line. A unit whose admin publishes its counter figures publishes its
  lines and its salt, so anyone can recompute its digest; for every other unit the salted
  digest reveals nothing (without the salt, the split of a public total over a few counters
  cannot be found by trying them all).

Stdlib only, so ``python -m survey_app.verify`` and a citizen's own script use the same rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping

HASH_RULE_V1 = "survey-snapshot-v1"
HASH_RULE_V2 = "survey-snapshot-v2"
HASH_RULE_V3 = "survey-snapshot-v3"
#: The rule new snapshots are closed under.
HASH_RULE = HASH_RULE_V3
#: Rules whose public part anyone can check (a snapshot can be published).
PUBLISHABLE_RULES = (HASH_RULE_V2, HASH_RULE_V3)
#: Dimensions whose valid-vote cells are public (the open-data file lists them).
PUBLIC_DIMENSIONS = ("channel", "month", "own")

Line = tuple[str, str, str, str, str, int]  # unit code, dimension, key, status, level, count


def is_public(dimension: str, status: str) -> bool:
    """Whether a cell belongs to the public part of a v2 listing."""
    return status == "valid" and dimension in PUBLIC_DIMENSIONS


def line_text(line: Line) -> str:
    code, dimension, key, status, level, count = line
    return f"{code}\t{dimension}\t{key}\t{status}\t{level}\t{count}\n"


def header(rule: str, root_code: str, start: str, end: str) -> str:
    return f"{rule}\t{root_code}\t{start}\t{end}\n"


def part_digest(lines: Iterable[Line]) -> str:
    """SHA-256 of the sorted text lines of the non-zero cells."""
    digest = hashlib.sha256()
    for text in sorted(line_text(x) for x in lines if x[5]):
        digest.update(text.encode())
    return digest.hexdigest()


def counter_digest(salt: str, lines: Iterable[Line]) -> str:
    """SHA-256 of a unit's salt (hex text) followed by its sorted counter lines (v3)."""
    digest = hashlib.sha256(salt.encode())
    for text in sorted(line_text(x) for x in lines if x[5]):
        digest.update(text.encode())
    return digest.hexdigest()


def split_v3(lines: Iterable[Line], own_counters: Mapping[str, Collection[str]]
             ) -> tuple[list[Line], dict[str, list[Line]], list[Line]]:
    """The public lines, each unit's own-counter lines (valid votes, keyed by unit code) and
    the restricted rest. ``own_counters`` maps a unit code to the keys of its own counters."""
    public: list[Line] = []
    groups: dict[str, list[Line]] = {}
    restricted: list[Line] = []
    for x in lines:
        if not x[5]:
            continue
        if is_public(x[1], x[3]):
            public.append(x)
        elif x[1] == "counter" and x[3] == "valid" and x[2] in own_counters.get(x[0], ()):
            groups.setdefault(x[0], []).append(x)
        else:
            restricted.append(x)
    return public, groups, restricted


def combine(rule: str, root_code: str, start: str, end: str, public_digest: str,
            restricted_digest: str, counter_digests: Mapping[str, str] | None = None) -> str:
    """The v2 or v3 content hash from the part digests (v3: one per unit with counters)."""
    counters = "".join(f"counters\t{code}\t{d}\n"
                       for code, d in sorted((counter_digests or {}).items()))
    if counters and rule != HASH_RULE_V3:
        raise ValueError(f"{rule} has no counter digests")
    return hashlib.sha256((header(rule, root_code, start, end)
                           + f"public\t{public_digest}\n{counters}"
                           f"restricted\t{restricted_digest}\n").encode()).hexdigest()


def listing_hash(rule: str, root_code: str, start: str, end: str, lines: Iterable[Line], *,
                 own_counters: Mapping[str, Collection[str]] | None = None,
                 salts: Mapping[str, str] | None = None) -> str:
    """The content hash of a whole listing under ``rule``. v3 needs each unit's own counter
    keys and the salt of every unit that has counter lines (``KeyError`` when one is missing)."""
    lines = [x for x in lines if x[5]]
    if rule == HASH_RULE_V1:
        digest = hashlib.sha256(header(rule, root_code, start, end).encode())
        for text in sorted(line_text(x) for x in lines):
            digest.update(text.encode())
        return digest.hexdigest()
    if rule == HASH_RULE_V2:
        public = [x for x in lines if is_public(x[1], x[3])]
        restricted = [x for x in lines if not is_public(x[1], x[3])]
        return combine(rule, root_code, start, end, part_digest(public),
                       part_digest(restricted))
    if rule != HASH_RULE_V3:
        raise ValueError(f"unknown hash rule {rule!r}")
    public, groups, restricted = split_v3(lines, own_counters or {})
    digests = {code: counter_digest((salts or {})[code], g) for code, g in groups.items()}
    return combine(rule, root_code, start, end, part_digest(public), part_digest(restricted),
                   digests)
