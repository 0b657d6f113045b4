"""The index ranking as a published table: the rounded values every page and export of it shows.

Built by :mod:`survey_app.services.index` from a scored scheme (points rounded half-up to two
decimals, the satisfaction rate in percent to one); rendered by the web pages and by the pure
renderers :mod:`reports.ranking` and :mod:`reports.ranking_pdf` (domain values in, bytes out).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Column:
    """A component shown as a column: its code, name and maximum; ``depth`` 0 = a field."""

    code: str
    name: str
    max_points: Decimal
    depth: int = 0


@dataclass(frozen=True, slots=True)
class Row:
    """One unit's line; ``components`` follow :attr:`RankingTable.columns`.

    ``complete`` is False while a component is missing: the total is then provisional (tạm tính)
    and the unit has no rank and no band; ``missing`` names those components (by name, as the
    pages and exports print them), ``not_applicable`` gives the codes of the components declared
    not applicable to the unit (parents included when none of their leaves applies).
    """

    unit: str
    name: str
    rank: int | None
    ranked: bool
    total: Decimal | None
    band: str | None
    components: tuple[Decimal | None, ...]
    bonus: Decimal
    satisfaction_rate: Decimal | None
    n: int | None
    sufficient: bool
    previous_total: Decimal | None
    delta: Decimal | None
    note: str = ""
    complete: bool = True
    missing: tuple[str, ...] = ()
    not_applicable: tuple[str, ...] = ()

    def applies(self, column: Column) -> bool:
        """False for a component declared not applicable to this unit."""
        return column.code not in self.not_applicable


@dataclass(frozen=True, slots=True)
class BlockTable:
    name: str
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class RankingTable:
    """Everything a published ranking shows, for one scheme and year."""

    code: str
    year: int
    title: str
    period: str
    columns: tuple[Column, ...]
    blocks: tuple[BlockTable, ...]
    bands: tuple[tuple[str, Decimal], ...]
    max_total: Decimal
    rule: str = "share3-v1"
    previous_year: int | None = None

    @property
    def fields(self) -> tuple[int, ...]:
        """Indexes of the top-level columns (lĩnh vực), shown in the published layouts."""
        return tuple(i for i, c in enumerate(self.columns) if c.depth == 0)

    @property
    def subtitle(self) -> str:
        return (f"Mã bộ chỉ số {self.code} · kỳ đánh giá {self.period} · điểm làm tròn "
                f"2 chữ số thập phân (quy tắc {self.rule})")
