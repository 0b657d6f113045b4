# Set-up and everyday commands. Each target installs what it needs into .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app survey_app
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1/postgres

.PHONY: run test test-pg test-browser lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## run: install, migrate the SQLite database, seed the demo once, serve http://127.0.0.1:5000
run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

# npm packages the tests use (the HTML checker vnu-jar, axe-core) and ESLint. Without npm the
# tests that need them say so and skip (CI installs npm and fails instead).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the HTML-validity and accessibility tests will be skipped"; fi

## test: install test dependencies and run the suite on SQLite
test: $(VENV)/.installed node_modules/.installed
	$(BIN)/python -m pytest -m "not browser"

## test-pg: the same suite on the local PostgreSQL (fresh databases, dropped afterwards)
test-pg: $(VENV)/.installed node_modules/.installed
	SURVEY_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -m "not browser"

## test-browser: pages driven in Debian's headless Chromium; npm installs axe-core for the
## accessibility tests
test-browser: $(VENV)/.installed node_modules/.installed
	$(BIN)/python -m pytest -m browser

## lint: ruff over the Python, ESLint (npm) over the kiosk PWA and the page scripts
lint: $(VENV)/.installed node_modules/.installed
	$(BIN)/ruff check .
	npx --no-install eslint --max-warnings 0 kiosk survey_app/static

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache *.egg-info
