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

Stdlib only, so ``python -m survey_app.verify`` and a citizen's own script use the same rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

HASH_RULE_V1 = "survey-snapshot-v1"
HASH_RULE_V2 = "survey-snapshot-v2"
#: The rule new snapshots are closed under.
HASH_RULE = HASH_RULE_V2
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


def combine(rule: str, root_code: str, start: str, end: str, public_digest: str,
            restricted_digest: str) -> str:
    """The v2 content hash from the two part digests."""
    return hashlib.sha256((header(rule, root_code, start, end)
                           + f"public\t{public_digest}\nrestricted\t{restricted_digest}\n")
                          .encode()).hexdigest()


def listing_hash(rule: str, root_code: str, start: str, end: str,
                 lines: Iterable[Line]) -> str:
    """The content hash of a whole listing under ``rule``."""
    lines = [x for x in lines if x[5]]
    if rule == HASH_RULE_V1:
        digest = hashlib.sha256(header(rule, root_code, start, end).encode())
        for text in sorted(line_text(x) for x in lines):
            digest.update(text.encode())
        return digest.hexdigest()
    if rule != HASH_RULE_V2:
        raise ValueError(f"unknown hash rule {rule!r}")
    public = [x for x in lines if is_public(x[1], x[3])]
    restricted = [x for x in lines if not is_public(x[1], x[3])]
    return combine(rule, root_code, start, end, part_digest(public), part_digest(restricted))
