"""Settings shared by the fixtures (tests/conftest.py), the test-data builders and tests.

Kept apart from conftest.py so that modules never import from conftest.
"""

import os

#: The app's SECRET_KEY in tests (long enough for the production check).
SECRET = "test-secret-key-that-is-long-enough-for-production"
#: A PostgreSQL server URL runs the suite on PostgreSQL; unset, each test gets a SQLite file.
PG_URL = os.environ.get("SURVEY_TEST_DATABASE_URL")
