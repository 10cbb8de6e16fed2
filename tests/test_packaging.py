"""A regular (non-editable) wheel ships the web assets and serves them from anywhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from server_process import (
    assert_serves_from,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
IGNORED = shutil.ignore_patterns(
    ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".venv*", "test-artifacts"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from a clean copy of the checkout (no stale build/ directory)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    shutil.copytree(REPO_ROOT, source, ignore=IGNORED)
    out = root / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("dialboard-*.whl")
    return built


@pytest.mark.timeout(360)
def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("static", "templates"):
        for path in (REPO_ROOT / folder).rglob("*"):
            if path.is_file():
                name = f"dialboard/_web/{folder}/{path.relative_to(REPO_ROOT / folder).as_posix()}"
                assert name in names
    top_level = {name.split("/")[0] for name in names if not name.startswith("dialboard-")}
    assert top_level == {"dialboard"}


@pytest.mark.timeout(360)
def test_installed_wheel_serves_from_elsewhere(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), wheel],
        check=True,
        capture_output=True,
        timeout=120,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALBOARD_")}
    env["DIALBOARD_DATA_DIR"] = ""  # memory only: test servers never share a data folder
    env["PYTHONPATH"] = str(target)

    where = subprocess.run(
        [sys.executable, "-c", "import dialboard.server.assets as a; print(a.static_dir())"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where) == target / "dialboard" / "_web" / "static"

    assert_serves_from(elsewhere, env, tmp_path, REPO_ROOT)


def test_venv_stays_out_of_git_and_the_image() -> None:
    """`make` and .ci/run keep their virtual environment in .venv inside the checkout."""
    assert ".venv/" in (REPO_ROOT / ".gitignore").read_text().splitlines()
    assert ".venv" in (REPO_ROOT / ".dockerignore").read_text().splitlines()


def test_packages_list_every_folder() -> None:
    """pyproject's explicit package list names every package folder under app/."""
    declared = set(tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])
    found = {
        ".".join(("dialboard", *init.parent.relative_to(REPO_ROOT / "app").parts))
        for init in (REPO_ROOT / "app").rglob("__init__.py")
    }
    assert declared == found
    assert (REPO_ROOT / "dialboard").resolve() == (REPO_ROOT / "app").resolve()
