"""Count the SQL statements an engine runs, by listening to ``before_cursor_execute``.

Transaction control (SQLite's explicit ``BEGIN``, savepoints) is left out: the budget a test
pins is statements that read or write data. An ``executemany`` counts once (one round trip).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(CONTROL):
            self.statements.append(" ".join(statement.split())[:160])

    def __len__(self) -> int:
        return len(self.statements)


@contextmanager
def counting(engine: Engine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)
