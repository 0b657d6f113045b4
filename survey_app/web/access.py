"""Every view declares who may call it; a test walks ``app.url_map`` and fails for a view
without a declaration.

``view.access`` is ``"public"``, ``"token"`` (an API bearer token, ``web/api/access.py``),
``"device"`` (a kiosk device token) or ``"login:<roles>"`` (a signed-in user of those
roles, ``web/auth.py``'s ``login_required``); what a user may do to which unit is decided in
``services/access.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def declare(access: str) -> Callable[[F], F]:
    """Record who may call the view (see the module docstring)."""

    def mark(view: F) -> F:
        view.access = access  # type: ignore[attr-defined]
        return view

    return mark


#: The view is open to anyone (citizen pages, the unit tree, health checks).
public = declare("public")
