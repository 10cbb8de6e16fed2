# Shared pytest fixtures for the Dialboard test suite.
#
# tests/engine/  - the NumPy engine (pure: no web stack)
# tests/server/  - the FastAPI app, settings and websockets
# tests/test_*.py - the command line and packaging, run as real processes
#
# Tests marked `browser` drive Debian's Chromium (/usr/bin/chromium) through Playwright;
# `make test` installs it. They must fail, never skip, when it is missing.

# The tests host the server in their own process: one BLAS thread, as the server has (a
# large product's last bits depend on BLAS's thread count: a replay must compute as it does).
from dialboard.blas import one_thread

one_thread()
