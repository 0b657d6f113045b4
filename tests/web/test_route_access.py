"""Every route declares who may call it (``view.access``, see survey_app/web/access.py): a new
route without a declaration fails here."""

from __future__ import annotations

import re

DECLARED = re.compile(r"^(public|token|device|login(:[a-z]+(,[a-z]+)*)?)$")


def test_every_route_declares_its_access_rule(app):
    undeclared, malformed = [], []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":  # Flask's own files under /static: public
            continue
        access = getattr(app.view_functions[rule.endpoint], "access", None)
        if access is None:
            undeclared.append(rule.rule)
        elif not DECLARED.match(access):
            malformed.append((rule.rule, access))
    assert undeclared == [] and malformed == []


def test_the_api_declares_tokens_and_the_kiosk_its_device(app):
    views = app.view_functions
    assert views["api.votes_create"].access == "token"
    assert views["api.units_index"].access == "public"
    assert views["kiosk.pair"].access == "public"
    assert views["kiosk.device"].access == "device"
    assert views["periods.index"].access.startswith("login:")
