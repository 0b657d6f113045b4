"""Concurrent identical requests against the app served for real (tests/live.py).

A double click, a retry or two workers racing send the same request twice. These helpers sign
in through the real login form, read a page's form the way a browser would (CSRF token, the
``once`` value, hidden fields), and send N identical copies at the same moment from N clients
that share the browser's cookies. Tests then assert one effect: one audit event, one row, and
rollups equal to a recount (:func:`assert_rollups_match_recount`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from html import unescape
from typing import Any, TypeVar

import httpx
from sqlalchemy import func, select, text

from survey_app.models import AuditEvent

T = TypeVar("T")
PASSWORD = "correct horse battery"


def form_fields(html: str, action: str, page: str = "") -> dict[str, str]:
    """The hidden fields (CSRF token, ``once``, …) of the first form in ``html`` whose action
    contains ``action`` (a form without an action posts to ``page``)."""
    for match in re.finditer(r'<form\b([^>]*)>(.*?)</form>', html, re.S):
        target = re.search(r'action="([^"]*)"', match.group(1))
        if action in (unescape(target.group(1)) if target else page):
            fields = {}
            for tag in re.findall(r"<input\b[^>]*>", match.group(2)):
                attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
                if attrs.get("type") == "hidden" and "name" in attrs:
                    fields[unescape(attrs["name"])] = unescape(attrs.get("value", ""))
            return fields
    raise AssertionError(f"no form posting to {action!r} on {page or 'the page'}")


def fire(n: int, send: Callable[[int], T], *, timeout: float = 60) -> list[T]:
    """Call ``send(i)`` for i in 0..n-1 from n threads released at the same moment."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout)
            results[i] = send(i)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if errors:
        raise errors[0]
    return results


class Browser:
    """One person's browser against a live server: cookies, pages and their forms."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=60)

    def close(self) -> None:
        self.client.close()

    def login(self, username: str, password: str = PASSWORD) -> Browser:
        fields = self.form("/login", "/login")
        r = self.client.post("/login", data={**fields, "username": username,
                                             "password": password})
        assert r.status_code == 302, r.text[:300]
        return self

    def form(self, page: str, action: str) -> dict[str, str]:
        """The hidden fields of the first form on ``page`` whose action contains ``action``."""
        r = self.client.get(page)
        assert r.status_code == 200, (page, r.status_code)
        return form_fields(r.text, action, page)

    def post_at_once(self, n: int, path: str, data: dict[str, Any],
                     files: dict[str, Any] | None = None) -> list[httpx.Response]:
        """``n`` identical POSTs sent together, each from a client with this browser's
        cookies (as a double click or the browser's "resend" would)."""
        clients = [httpx.Client(base_url=self.base_url, cookies=self.client.cookies,
                                follow_redirects=False, timeout=60) for _ in range(n)]
        try:
            return fire(n, lambda i: clients[i].post(path, data=data, files=files))
        finally:
            for c in clients:
                c.close()


def assert_no_server_error(responses: list[httpx.Response]) -> None:
    assert all(r.status_code < 500 for r in responses), [r.status_code for r in responses]


def fresh(session: Any) -> Any:
    """``session`` reading what the requests committed (its loaded objects expired too)."""
    session.rollback()
    session.expire_all()
    return session


def audit_count(session: Any, action: str) -> int:
    fresh(session)
    return session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == action)) or 0


def assert_rollups_match_recount(app: Any, session: Any) -> None:
    """``tallies check`` passes (daily, monthly and subtree rollups equal the ballots), and
    the daily rollup's valid total equals a direct SQL count of valid ballots."""
    result = app.test_cli_runner().invoke(args=["tallies", "check"])
    assert result.exit_code == 0, result.output
    fresh(session)
    rolled = session.execute(text(
        "SELECT coalesce(sum(count), 0) FROM daily_tally WHERE status = 'valid'")).scalar()
    counted = session.execute(text(
        "SELECT count(*) FROM ballot WHERE status = 'valid' AND level IS NOT NULL")).scalar()
    assert rolled == counted
