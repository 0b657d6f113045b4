"""Schemathesis generates requests for every operation of /api/v1/openapi.json: none yields a
5xx. Runs against the app in-process (WSGI) on a fresh database with an admin token, so requests
reach the handlers instead of stopping at 401. (Schemathesis's own pytest plugin does not load
under pytest 9, so its strategies are driven through Hypothesis directly.)"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.factories import build_world


def test_no_operation_answers_5xx(app, session):
    world = build_world(session)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    seen: dict[str, set[int]] = {}

    def exercise_operation(operation) -> None:  # type: ignore[no-untyped-def]
        @settings(max_examples=30, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def exercise(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers={"Authorization": f"Bearer {world.admin_token}"})
            seen.setdefault(operation.label, set()).add(response.status_code)
            assert response.status_code < 500, (operation.label, case.body, case.query,
                                                 case.path_parameters, response.text[:300])

        exercise()

    for operation in operations:
        exercise_operation(operation)
    assert set(seen) == {op.label for op in operations}
