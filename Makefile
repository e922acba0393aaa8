# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CATALOGS := $(patsubst %.po,%.mo,$(wildcard locales/*/LC_MESSAGES/messages.po))
export RESLOG_SECRET_KEY_FILE ?= var/secret.key

.PHONY: run test lint typecheck unit bench catalogs extract update-catalogs lock clean

# The exact versions of requirements-dev.lock (the program's own, requirements.lock, and the
# tools to test it), then the project itself; its ranges in pyproject.toml are for people who
# install the package. `make lock` refreshes both locks to the newest versions the ranges allow.
$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

lock:
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet pip-tools
	.venv-lock/bin/pip-compile --quiet --upgrade --extra dev --strip-extras --no-emit-index-url \
		--no-emit-find-links --output-file requirements-dev.lock pyproject.toml
	cp requirements-dev.lock requirements.lock  # the same versions, without the tools
	.venv-lock/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml

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
	rm -rf $(VENV) .venv-lock .mypy_cache .ruff_cache .pytest_cache
