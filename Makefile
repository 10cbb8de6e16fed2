# Dialboard developer tasks. `make test` is the one command CI runs (via .ci/run).
PYTHON   ?= python3
CHROMIUM ?= /usr/bin/chromium
ARGS     ?=

.PHONY: help install chromium lint typecheck test run clean

help:
	@echo "make install    editable install with the test tools (pip install -e '.[test]')"
	@echo "make test       install everything (incl. Debian's chromium), ruff, mypy, pytest"
	@echo "make run        start the server on http://127.0.0.1:8000 (ARGS='--open' etc.)"
	@echo "make lint | typecheck | clean"

install:
	$(PYTHON) -m pip install -e '.[test]'

# Browser tests drive Debian's Chromium through Playwright; never a downloaded browser.
chromium:
	@if [ -x "$(CHROMIUM)" ]; then \
		echo "chromium: using $(CHROMIUM)"; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "chromium: $(CHROMIUM) missing, installing Debian's chromium"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "*** chromium: $(CHROMIUM) is missing and this is not root, so it was NOT installed." >&2; \
		echo "*** Run 'sudo apt-get install chromium' (Debian). Browser tests will FAIL without it." >&2; \
	fi

lint:
	$(PYTHON) -m ruff check .

typecheck:
	$(PYTHON) -m mypy app

test: install chromium
	$(PYTHON) -m ruff check .
	$(PYTHON) -m mypy app
	$(PYTHON) -m pytest

run:
	$(PYTHON) -m app $(ARGS)

clean:
	rm -rf build dist *.egg-info test-artifacts .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
