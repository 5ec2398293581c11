# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
SHELL  := /bin/bash
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: run test test-sqlite test-s3 test-pg test-beside lint translations messages install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel -q compile -d assess/translations -D messages
	$(BIN)/pybabel -q compile -d assess/translations -D flask_security

## make run — create .venv, install, migrate the SQLite db in instance/, load instruments and the demo, serve.
run: install
	$(BIN)/mandiri init
	$(BIN)/mandiri demo
	@echo "Mandiri berjalan di http://127.0.0.1:5000 (Ctrl+C untuk berhenti)"
	$(BIN)/mandiri serve --host 127.0.0.1 --port 5000

## make test — lint, type-check, then the whole suite on SQLite and, beside it (two lanes, as the machine has two
## cores and much of the suite waits on servers and browsers), the storage tests again on S3 (moto's server) followed
## by the database tests on PostgreSQL (when MANDIRI_TEST_PG_URL is set). Each line says its lane; make fails when
## either lane fails, after both have finished.
test: install lint
	$(MAKE) --no-print-directory -j2 test-sqlite test-beside

test-beside: install
	$(MAKE) --no-print-directory test-s3
	$(MAKE) --no-print-directory test-pg

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# pytest's lines, each prefixed with its lane as it comes (sed passes whole lines, so the lanes' lines never mix);
# the recipe ends with pytest's own exit status.
LANE = 2>&1 | sed -u 's/^/[$(1)] /'; exit $${PIPESTATUS[0]}

test-sqlite: install
	$(BIN)/pytest -q -p no:cacheprovider $(call LANE,sqlite)

test-s3: install
	MANDIRI_TEST_STORAGE=s3 $(BIN)/pytest -q -p no:cacheprovider -m storage $(call LANE,s3)

test-pg: install
	@if [ -n "$$MANDIRI_TEST_PG_URL" ]; then \
		echo "== PostgreSQL: $$MANDIRI_TEST_PG_URL"; \
		MANDIRI_TEST_DATABASE_URL="$$MANDIRI_TEST_PG_URL" $(BIN)/pytest -q -p no:cacheprovider -m db $(call LANE,postgresql); \
	else \
		echo "== PostgreSQL: MANDIRI_TEST_PG_URL not set, database tests ran on SQLite only"; \
	fi

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info

## make messages — re-extract translatable strings and update the catalogues (then translate en).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --omit-header --ignore-dirs=".* __pycache__ instance" -o assess/translations/messages.pot .
	$(BIN)/pybabel update -i assess/translations/messages.pot -d assess/translations -D messages --no-fuzzy-matching
