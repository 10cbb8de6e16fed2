# Dialboard developer tasks. `make test` is the one command CI runs (via .ci/run).
#
# Everything runs in a virtual environment, $(VENV) in the checkout, made from the system
# Python on first use (Debian and Ubuntu refuse `pip install` into their own Python).
# PYTHON=/path/to/python uses that interpreter instead, and then no venv is made.
SYSTEM_PYTHON ?= python3
VENV     ?= .venv
PYTHON   ?= $(VENV)/bin/python
CHROMIUM ?= /usr/bin/chromium
ARGS     ?=

# Make the venv only when PYTHON is its interpreter.
ifeq ($(PYTHON),$(VENV)/bin/python)
VENV_PYTHON := $(VENV)/bin/python
endif

.PHONY: help venv install chromium node lint typecheck test run clean

help:
	@echo "make install    $(VENV) (made from $(SYSTEM_PYTHON) if missing), pip install -e '.[test]' in it"
	@echo "make test       install everything (incl. Debian's chromium and nodejs), ruff, mypy, pytest"
	@echo "make run        start the server on http://127.0.0.1:8000 (ARGS='--open' etc.)"
	@echo "make lint | typecheck | clean   (PYTHON=... uses another interpreter, no venv)"

venv: $(VENV_PYTHON)

# Debian and Ubuntu ship `python3 -m venv` without ensurepip (package python3-venv):
# install it when we are root, else say what to install.
$(VENV)/bin/python:
	@rm -rf $(VENV)
	@if ! $(SYSTEM_PYTHON) -m venv $(VENV); then \
		rm -rf $(VENV); \
		ver=$$($(SYSTEM_PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
		if [ "$$(id -u)" != 0 ]; then \
			echo "*** venv: '$(SYSTEM_PYTHON) -m venv' failed and this is not root." >&2; \
			echo "*** Run 'sudo apt-get install python3-venv python$$ver-venv' (Debian/Ubuntu), then again." >&2; \
			exit 1; \
		fi; \
		echo "venv: installing Debian's python3-venv python$$ver-venv"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends python3-venv "python$$ver-venv" || exit 1; \
		$(SYSTEM_PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }; \
	fi
	@echo "venv: $(VENV) made from $$($(SYSTEM_PYTHON) -c 'import sys; print(sys.executable)')"

install: $(VENV_PYTHON)
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

# The JavaScript unit tests run under Node's own test runner (`node --test`), from pytest.
node:
	@if command -v node >/dev/null 2>&1; then \
		echo "node: using $$(command -v node) ($$(node --version))"; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "node: missing, installing Debian's nodejs"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends nodejs || exit 1; \
		command -v node >/dev/null 2>&1 || { echo "*** node: nodejs installed but no 'node' on PATH" >&2; exit 1; }; \
	else \
		echo "*** node: 'node' is missing and this is not root, so it was NOT installed." >&2; \
		echo "*** Run 'sudo apt-get install nodejs' (Debian/Ubuntu): the JavaScript tests need it." >&2; \
		exit 1; \
	fi

lint: $(VENV_PYTHON)
	$(PYTHON) -m ruff check .

typecheck: $(VENV_PYTHON)
	$(PYTHON) -m mypy dialboard

test: install chromium node
	$(PYTHON) -m ruff check .
	$(PYTHON) -m mypy dialboard
	$(PYTHON) -m pytest

# Installs (editable, with the test tools) first if the interpreter cannot import the app.
run: $(VENV_PYTHON)
	@$(PYTHON) -c 'import dialboard.server.app' 2>/dev/null || $(MAKE) --no-print-directory install
	$(PYTHON) -m dialboard $(ARGS)

clean:
	rm -rf build dist *.egg-info test-artifacts .pytest_cache .mypy_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
