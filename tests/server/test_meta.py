"""`GET /api/meta` names every choice the engine offers exactly once, and the docs agree."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dialboard.engine import (
    HIDDEN_ACTIVATIONS,
    LEARNER_NAMES,
    LEARNER_SETTINGS,
    LOSS_NAMES,
    OUTPUT_ACTIVATIONS,
    ConfigError,
    TrainConfig,
)
from dialboard.engine.losses import LOSSES
from dialboard.server.app import create_app
from dialboard.server.meta import meta_document
from dialboard.server.settings import Settings
from tests.engine.helpers import make_trainer

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text()
META = meta_document()


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings()), base_url="http://localhost") as test_client:
        yield test_client


def names(entries: list[dict[str, Any]]) -> list[str]:
    return [e["name"] for e in entries]


def test_served_document_is_the_declared_one(client: TestClient) -> None:
    response = client.get("/api/meta")
    assert response.status_code == 200
    assert response.json() == META


@pytest.mark.parametrize(("key", "engine"), [
    ("hidden_activations", HIDDEN_ACTIVATIONS), ("output_activations", OUTPUT_ACTIVATIONS),
    ("losses", LOSS_NAMES), ("learners", LEARNER_NAMES),
])
def test_every_engine_name_has_exactly_one_entry(key: str, engine: tuple[str, ...]) -> None:
    assert names(META[key]) == list(engine)


def test_activations_say_g_and_g_prime() -> None:
    for entry in META["hidden_activations"] + META["output_activations"]:
        assert entry["title"] and entry["g"] and entry["g_prime"], entry


def test_losses_give_a_cost_and_an_output_delta_for_every_output_they_accept() -> None:
    for entry in META["losses"]:
        accepted = list(LOSSES[entry["name"]].outputs)
        assert entry["outputs"] == accepted
        assert set(entry["cost"]) == set(entry["delta"]) == set(accepted)
        assert all(c.startswith("C = ") for c in entry["cost"].values())
        assert all(d["rule"].startswith("δⱼ = ") for d in entry["delta"].values())
    ce = next(e for e in META["losses"] if e["name"] == "cross_entropy")
    assert {d["rule"] for d in ce["delta"].values()} == {"δⱼ = aⱼ − yⱼ"}


def readme_loss_rows() -> dict[str, str]:
    rows = re.findall(r"^\s*\| `([a-z_]+)` \| (.+) \|\s*$", README, re.M)
    return {name: cell for name, cell in rows if name in LOSS_NAMES}


def test_readme_loss_table_formulas_are_meta_formulas() -> None:
    rows = readme_loss_rows()
    assert set(rows) == set(LOSS_NAMES)
    for entry in META["losses"]:
        cell = rows[entry["name"]]
        formulas = set(entry["cost"].values())
        for formula in formulas:
            assert formula in cell, f"README's {entry['name']} row lacks {formula!r}"
        assert cell.count("C = ") == len(formulas), f"README's {entry['name']} row: {cell}"
        if len(formulas) > 1:  # one formula per output activation: README names which
            for out, formula in entry["cost"].items():
                assert f"{out} outputs: {formula}" in cell


def test_learners_read_the_engines_settings_and_name_their_own_phases() -> None:
    setting_names = names(META["settings"])
    for entry in META["learners"]:
        assert entry["settings"] == list(LEARNER_SETTINGS[entry["name"]])
        assert set(entry["settings"]) <= set(setting_names)
        assert entry["title"] and entry["description"].endswith(".")
        assert all(p["title"] and p["words"] for p in entry["phases"])


@pytest.mark.parametrize("learner", LEARNER_NAMES)
def test_phase_kinds_are_the_engines_phases(learner: str) -> None:
    """Meta's kinds, forward and backward once per layer, spell the engine's phases."""
    phases = make_trainer((3, 4, 4, 2), learner=learner).phases
    kinds = [p["kind"] for p in next(e for e in META["learners"] if e["name"] == learner)["phases"]]
    spelled: list[str] = []
    for k in kinds:
        if k == "forward":
            spelled += [f"forward:{l}" for l in range(3)]
        elif k == "backward":
            spelled += [f"backward:{l}" for l in reversed(range(3))]
        else:
            spelled.append(k)
    assert spelled == list(phases)


def test_other_learners_carry_none_of_backprops_maths() -> None:
    for entry in META["learners"]:
        if entry["name"] == "gradient_descent":
            continue
        text = " ".join([entry["description"], *(p["words"] for p in entry["phases"])])
        for sign in ("δ", "η", "∂", "gradient", "batch", "blame"):
            assert sign not in text, f"{entry['name']} says {sign!r}"


def test_settings_are_the_train_config_fields_with_its_bounds() -> None:
    fields = [f.name for f in dataclasses.fields(TrainConfig) if f.name != "learner"]
    assert sorted(names(META["settings"])) == sorted(fields)
    for s in META["settings"]:
        assert s["label"] and s["kind"] in ("number", "integer")
        accepts = lambda v, name=s["name"]: valid(name, v)  # noqa: E731
        assert accepts(None) == s["nullable"]
        lo, hi = s["min"], s["max"]
        assert accepts(lo) != s["min_exclusive"]
        assert not accepts(lo - 1)
        assert accepts(lo + 1 if hi is None else (lo + hi) / 2)
        if hi is not None:
            assert accepts(hi) != s["max_exclusive"]
            assert not accepts(hi + 1)
        if s["kind"] == "integer":
            assert not accepts(lo + 1.5)


def valid(name: str, value: object) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    try:
        TrainConfig(**{name: value})  # type: ignore[arg-type]
    except (ConfigError, TypeError):
        return False
    return True


def test_protocol_doc_lists_the_endpoint() -> None:
    assert re.search(r"^\| `GET /api/meta\?lang=` \|", PROTOCOL, re.M)
