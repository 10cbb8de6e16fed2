"""Where the web assets (``static/`` and ``templates/``) are on disk.

In a checkout they sit at the repository's top level, beside ``app/``. An installed
wheel carries them inside the package as ``dialboard/_web/<name>`` (see
``build_support/setuptools_web.py``). The installed location is tried first so that a
stray ``static/`` directory next to site-packages can never be picked up.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the package (app/ in a checkout)


def web_dir(name: str) -> Path:
    """Return the directory of the web asset folder ``name`` ("static" or "templates")."""
    candidates = (_PACKAGE_DIR / "_web" / name, _PACKAGE_DIR.parent / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"web asset folder {name!r} not found (looked in {looked}); "
        "reinstall dialboard or run it from a full checkout"
    )


def static_dir() -> Path:
    return web_dir("static")


def templates_dir() -> Path:
    return web_dir("templates")
