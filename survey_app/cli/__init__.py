"""Command line: ``flask --app survey_app <group> <command>``. Each command commits once.

One module per command group; :func:`init_app` is the only place they are registered.
"""

from __future__ import annotations

from flask import Flask

from . import (
    alerts,
    cases,
    check,
    db,
    demo,
    index,
    kiosk,
    periods,
    publishing,  # noqa: F401  (adds index publish|withdraw)
    qr,
    questionnaires,
    tallies,
    tokens,
    units,
    users,
    worker,
)


def init_app(app: Flask) -> None:
    """Add every command group to ``app.cli``."""
    for command in (
        db.group,
        units.group,
        kiosk.group,
        users.group,
        tokens.group,
        tallies.group,
        demo.demo,
        questionnaires.group,
        qr.group,
        check.check,
        periods.group,
        index.index_group,  # with its scores and survey subgroups
        index.dossiers_group,
        worker.worker,
        worker.group,
        alerts.group,
        cases.group,
    ):
        app.cli.add_command(command)
