"""Setuptools hook: ship the top-level ``static/`` and ``templates/`` inside the wheel.

The repository keeps the web assets at its top level. A regular (non-editable) build
copies them to ``dialboard/_web/static`` and ``dialboard/_web/templates`` in the build directory,
so they land inside the installed package. ``app/server/assets.py`` looks there first
and falls back to the checkout's top level. Editable installs need no copy: the
package is imported from the checkout, which has the assets beside it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools.command.build_py import build_py

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WEB_DIRS = ("static", "templates")
TARGET = Path("dialboard", "_web")


class BuildPyWithWebAssets(build_py):
    """``build_py`` that also copies the top-level web assets into ``dialboard/_web``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        # Start clean so files deleted from the checkout do not linger in a reused build/.
        shutil.rmtree(Path(self.build_lib) / TARGET, ignore_errors=True)
        for name in WEB_DIRS:
            source = PROJECT_ROOT / name
            if not source.is_dir():
                raise FileNotFoundError(
                    f"{source} is missing: the wheel must ship the web assets. "
                    "Build from a full checkout or an sdist that includes them."
                )
            self.copy_tree(str(source), str(Path(self.build_lib) / TARGET / name))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False):
            for name in WEB_DIRS:
                source = PROJECT_ROOT / name
                outputs.extend(
                    str(Path(self.build_lib) / TARGET / name / path.relative_to(source))
                    for path in sorted(source.rglob("*"))
                    if path.is_file()
                )
        return outputs
