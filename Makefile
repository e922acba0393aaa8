# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CATALOGS := $(patsubst %.po,%.mo,$(wildcard locales/*/LC_MESSAGES/messages.po))
export RESLOG_SECRET_KEY_FILE ?= var/secret.key

.PHONY: run test lint typecheck unit bench catalogs extract update-catalogs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -D messages -d locales -l $* >/dev/null

catalogs: $(CATALOGS)

extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k lazy_plural:1,2 --no-location --sort-output -o locales/messages.pot --project=reslog .

update-catalogs: extract
	$(BIN)/pybabel update -D messages -i locales/messages.pot -d locales --no-fuzzy-matching --ignore-obsolete --width=0

run: $(STAMP) catalogs
	@mkdir -p var
	@$(BIN)/reslog keygen --file $(RESLOG_SECRET_KEY_FILE) --if-missing
	@$(BIN)/reslog db upgrade >/dev/null
	@$(BIN)/reslog demo seed
	$(BIN)/reslog run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) catalogs
	url="$$(scripts/test-postgres.sh)" && RESLOG_TEST_POSTGRES_URL="$$url" $(BIN)/pytest -q

test: lint typecheck unit

# Benchmarks (not part of `make test`): figures for the README's performance section.
bench: $(STAMP) catalogs
	url="$$(scripts/test-postgres.sh)" && export RESLOG_BENCH_POSTGRES_URL="$$url" && \
		$(BIN)/python -m bench.ingest && $(BIN)/python -m bench.broadcast --channel telegram whatsapp --kills 3 && \
		$(BIN)/python -m bench.sqlite_trips && $(BIN)/python -m bench.digest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
