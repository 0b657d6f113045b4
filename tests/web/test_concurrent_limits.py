"""Limits under concurrent requests against a real threaded server: sign-in attempts for one
account, votes from one browser and pairing guesses from one address are counted before they
are decided, so racing requests cannot all slip under a limit. Run with the in-process counter
and with a real Redis (skipped when none answers), on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
import requests
from sqlalchemy import select

from survey_app import create_app
from survey_app.db import get_db
from survey_app.models import Ballot
from survey_app.web import auth
from tests.live import LiveServer, forget_redis_keys, real_redis_or_skip, unique_redis_prefix
from tests.settings import SECRET

RACERS = 30


@pytest.fixture(params=["memory", "redis"])
def app(request, database_url, tmp_path):  # type: ignore[no-untyped-def]
    config = {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": SECRET}
    redis_url = prefix = None
    if request.param == "redis":
        redis_url, prefix = real_redis_or_skip(), unique_redis_prefix()
        config.update(REDIS_URL=redis_url, REDIS_KEY_PREFIX=prefix)
    app = create_app(config)
    app.instance_path = str(tmp_path / "instance")
    yield app
    get_db(app).dispose()
    if redis_url and prefix:
        forget_redis_keys(redis_url, prefix)


def _race(n: int, prepare: Callable[[int], Callable[[], int]]) -> list[int]:
    """Prepare ``n`` requests, then fire them all at once; their status codes."""
    calls = [prepare(i) for i in range(n)]
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], int]) -> None:
        try:
            barrier.wait(timeout=30)
            statuses.append(call())
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return statuses


def _csrf(http: requests.Session, url: str) -> str:
    html = http.get(url, timeout=30).text
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def test_racing_wrong_passwords_for_one_account_check_at_most_the_allowed_number(
        app, world, monkeypatch):
    checked: list[str] = []
    real_check = auth.check_password_hash

    def counting_check(pwhash: str, password: str) -> bool:
        checked.append(password)
        return real_check(pwhash, password)

    monkeypatch.setattr(auth, "check_password_hash", counting_check)
    with LiveServer(app) as server:
        def prepare(i: int) -> Callable[[], int]:
            http = requests.Session()
            token = _csrf(http, f"{server.url}/login")
            return lambda: http.post(f"{server.url}/login", timeout=60, allow_redirects=False,
                                     data={"username": "officer.hc", "password": f"sai {i}",
                                           "csrf_token": token}).status_code

        statuses = _race(RACERS, prepare)
        assert len(checked) == auth.MAX_FAILURES
        assert Counter(statuses) == {401: auth.MAX_FAILURES, 429: RACERS - auth.MAX_FAILURES}
        # a colleague behind the same address signs in at once
        http = requests.Session()
        r = http.post(f"{server.url}/login", timeout=30, allow_redirects=False,
                      data={"username": "clerk.hc", "password": "correct horse battery",
                            "csrf_token": _csrf(http, f"{server.url}/login")})
        assert r.status_code == 302


def test_racing_votes_from_one_browser_store_all_and_flag_those_over_the_limit(
        app, world, session):
    limit = int(app.config["QR_LIMIT_BROWSER"])
    with LiveServer(app) as server:
        browser = requests.Session()
        token = _csrf(browser, f"{server.url}/w/HC")  # the page hands out the browser id
        cookies = browser.cookies.get_dict()
        assert cookies

        def prepare(i: int) -> Callable[[], int]:
            data = {"csrf_token": token, "client_id": str(uuid.uuid4()),
                    "a.overall": "satisfied"}
            return lambda: requests.post(f"{server.url}/w/HC", data=data, cookies=cookies,
                                         timeout=60, allow_redirects=False).status_code

        statuses = _race(RACERS, prepare)
    assert statuses == [303] * RACERS
    session.rollback()
    stored = Counter((b.status, b.flag_reason) for b in session.scalars(select(Ballot)))
    assert stored == {("valid", None): limit, ("flagged", "rate_limit"): RACERS - limit}


def test_replays_do_not_use_up_the_limit(app, world, session):
    with LiveServer(app) as server:
        browser = requests.Session()
        token = _csrf(browser, f"{server.url}/w/HC")
        data = {"csrf_token": token, "client_id": str(uuid.uuid4()), "a.overall": "satisfied"}
        for _ in range(5):  # a double-tapped button, a reloaded confirmation page
            r = browser.post(f"{server.url}/w/HC", data=data, timeout=30,
                             allow_redirects=False)
            assert r.status_code == 303
        for _ in range(int(app.config["QR_LIMIT_BROWSER"]) - 1):
            data = {**data, "client_id": str(uuid.uuid4())}
            assert browser.post(f"{server.url}/w/HC", data=data, timeout=30,
                                allow_redirects=False).status_code == 303
    session.rollback()
    assert [b.status for b in session.scalars(select(Ballot))] == \
        ["valid"] * int(app.config["QR_LIMIT_BROWSER"])


def test_racing_pairing_guesses_from_one_address_are_held_to_the_limit(app, world):
    limit = 10  # kiosk.PAIR_ATTEMPTS
    with LiveServer(app) as server:
        def prepare(i: int) -> Callable[[], int]:
            return lambda: requests.post(f"{server.url}/kiosk/api/pair", timeout=60,
                                         json={"code": "ZZZZ-ZZZZ"}).status_code

        statuses = _race(RACERS, prepare)
    assert Counter(statuses) == {404: limit, 429: RACERS - limit}
