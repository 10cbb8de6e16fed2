"""The README's notebook example runs, as printed, against a real server process.

It must need nothing but what `pip install .` brings (the standard library, the project
itself and its `[project]` dependencies, not the test tools), and print what the engine
computes.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import numpy as np
import pytest
from server_process import free_port, start_server, stop_server

from dialboard.engine import next_update
from dialboard.server.session_config import build, resolve

REPO_ROOT = Path(__file__).resolve().parent.parent
README = REPO_ROOT / "README.md"
EXAMPLE_ADDRESS = "127.0.0.1:8000"
FLOAT = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def python_example() -> str:
    """The README's one ```python block."""
    blocks = re.findall(r"^```python\n(.*?)^```$", README.read_text(), re.M | re.S)
    assert len(blocks) == 1, f"expected one python example in the README, found {len(blocks)}"
    return str(blocks[0])


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def install_requirements() -> set[str]:
    """Distribution names `pip install .` brings: the project and its dependencies."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    names = {normalize(project["name"])}
    for spec in project["dependencies"]:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec)
        assert match, spec
        names.add(normalize(match.group(0)))
    return names


def test_example_imports_only_what_the_install_brings() -> None:
    tree = ast.parse(python_example())
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.module and node.level == 0
            modules.add(node.module.split(".")[0])
    assert modules, "the example imports nothing?"
    allowed = install_requirements()
    providers = packages_distributions()
    for module in sorted(modules - set(sys.stdlib_module_names)):
        dists = {normalize(d) for d in providers.get(module, [])}
        assert dists & allowed, (
            f"the README example imports {module!r}, which `pip install .` does not bring "
            f"(it comes from {sorted(dists) or 'nothing installed'}; the install brings "
            f"{sorted(allowed)})"
        )


@pytest.mark.timeout(120)
def test_example_runs_against_a_server(tmp_path: Path) -> None:
    example = python_example()
    assert EXAMPLE_ADDRESS in example, "the example no longer talks to 127.0.0.1:8000"
    port = free_port()
    script = tmp_path / "example.py"
    script.write_text(example.replace(EXAMPLE_ADDRESS, f"127.0.0.1:{port}"))

    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALBOARD_")}
    env["DIALBOARD_DATA_DIR"] = ""  # memory only: test servers never share a data folder
    log = tmp_path / "server.log"
    server = start_server(
        [sys.executable, "-m", "dialboard", "--port", str(port), "--log-level", "info"],
        cwd=REPO_ROOT, env=env, port=port, log_path=log,
    )
    try:
        result = subprocess.run(
            [sys.executable, str(script)], cwd=tmp_path, env=env,
            capture_output=True, text=True, timeout=60,
        )
    finally:
        stop_server(server, log)
    assert result.returncode == 0, result.stdout + result.stderr

    # step 100 cost 0.1238… accuracy 0.75
    # [[ 1.71…  -1.58…]
    #  [ 0.29…  -0.39…]]
    # next update
    # [[…]]
    # locked dial 0.29… at step 153
    match = re.fullmatch(
        rf"step 100 cost ({FLOAT}) accuracy ({FLOAT})\n(.*)\nnext update\n(.*)\n"
        rf"locked dial ({FLOAT}) at step (\d+)\n", result.stdout, re.S)
    assert match, result.stdout
    cost, accuracy, locked = (float(match.group(k)) for k in (1, 2, 5))
    weight, update = (np.array([float(v) for v in re.findall(FLOAT, match.group(k))])
                      for k in (3, 4))

    # The same board trained 100 steps in this process (the xor preset is seeded).
    trainer = build(resolve({"preset": "xor"}), max_parameters=250_000)
    trainer.step(100)
    expected = trainer.net.params["layers.0.weight"]
    assert cost == pytest.approx(trainer.cost(), rel=1e-6)
    assert accuracy == pytest.approx(trainer.accuracy())
    assert weight.shape == update.shape == (expected.size,), result.stdout
    np.testing.assert_allclose(weight, expected.ravel(), rtol=1e-6, atol=1e-7)
    delta = next_update(trainer).delta
    assert delta is not None
    np.testing.assert_allclose(update, delta["layers.0.weight"].ravel(), rtol=1e-6, atol=1e-9)
    assert int(match.group(6)) >= 150  # played on, but the locked dial stayed
    assert locked == pytest.approx(expected[1, 0], rel=1e-7)


def test_the_configuration_table_is_every_setting_with_its_default() -> None:
    """Each `DIALBOARD_*` row of the README names a setting and its default, in the order of
    `Settings`; no setting is missing, none is made up."""
    from dataclasses import fields

    from dialboard.server.settings import Settings

    rows = re.findall(r"^\| `(DIALBOARD_[A-Z_]+)` \| (.*?) \|", README.read_text(), re.M)
    assert [name for name, _ in rows] == [Settings.env_name(f.name) for f in fields(Settings)]
    for (name, default), field in zip(rows, fields(Settings), strict=True):
        value = field.default
        if isinstance(value, tuple) and not value:
            assert default == "*(empty)*", name
        elif value is None:
            assert "`" in default, name  # said in words: a folder found at start
        else:
            assert default.replace("`", "") == str(value), name
