# The two commands of the README: `make up` runs the stack, `make test` runs every test.
# Each sets itself up on a fresh machine: virtualenv, Python dependencies, nginx and
# redis-server, and for the tests Chromium (installed with apt-get when missing; the
# launcher itself installs nothing).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: up up-fresh test lint unit integration e2e bench bench-scale package system-packages browser venv clean

# Keeps its data (.run/dynamodb.json) and signing key (.run/jwt-secret) across restarts.
up: venv system-packages
	$(BIN)/python -m local.stack

# The same, starting empty: the kept data and key are deleted first.
up-fresh: venv system-packages
	$(BIN)/python -m local.stack --fresh

# Unit and integration tests on two processes (each module's tests stay on one, so its
# moto tables are made once); the end-to-end tests one at a time, since each starts whole
# stacks of processes and kills some of them on purpose.
test: venv system-packages browser lint
	$(BIN)/pytest -n 2 --dist loadscope tests/unit tests/integration
	$(BIN)/pytest tests/e2e

lint: venv
	$(BIN)/ruff check layers functions tests local bench infra
	$(BIN)/ruff format --check layers functions local
	$(BIN)/mypy layers functions local infra bench
	PYTHONPATH=layers:functions $(BIN)/lint-imports

unit: venv
	$(BIN)/pytest -n 2 tests/unit

integration: venv
	$(BIN)/pytest -n 2 --dist loadscope tests/integration

e2e: venv system-packages browser
	$(BIN)/pytest tests/e2e

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,serve,local]'
	rm -f $(VENV)/.installed-*
	touch $@

# nginx fronts the local stack; redis-server is started by the stack when none answers;
# chromium and its driver render the documentation page in tests/e2e/test_docs_page.py.
# Checked on every run (a few `command -v`), so a package removed since is installed again.
system-packages:
	@missing=""; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Debian's Chromium and its driver, for the docs page's test in a real browser (only the
# tests need them; where none can be installed that one test is skipped, saying why).
browser:
	@browser=""; \
	command -v chromium >/dev/null 2>&1 || browser="$$browser chromium"; \
	command -v chromedriver >/dev/null 2>&1 || browser="$$browser chromium-driver"; \
	if [ -n "$$browser" ]; then \
		echo "installing:$$browser"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$browser >/dev/null; } \
		|| echo "no chromium here: tests/e2e/test_docs_page.py will be skipped"; \
	fi

bench: venv system-packages
	$(BIN)/python -m bench

# Cost per operation, the capacity model and the simulated million-reminder job run (a few
# minutes): tables, bench/results/scale.png, and `scale` in bench/results/latest.json.
bench-scale: venv system-packages
	$(BIN)/python -m bench.scale

STAGE ?= dev
package: venv
	$(BIN)/python -m infra.package $(STAGE)

# Also deletes the local stack's data and signing key (.run/).
clean:
	rm -rf .run .pytest_cache .mypy_cache .ruff_cache
