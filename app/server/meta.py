"""`GET /api/meta`: the product's vocabulary, declared once for every client.

Option lists come from the engine, so a name the engine knows always has its words here (a
test checks both ways). The browser keeps no copy: its menus, formulas and phase words are
read from this document. Formulas are written as the phase panel shows them; the loss
formulas are the README's, word for word (a test compares them). Every word of it (titles,
descriptions, phase words, setting labels) comes from the strings tables (`i18n`), in the
language `?lang=` asks for; pure maths stays here.
"""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from dialboard.engine import (
    HIDDEN_ACTIVATIONS,
    LEARNER_NAMES,
    LEARNER_SETTINGS,
    LOSS_NAMES,
    OUTPUT_ACTIVATIONS,
)
from dialboard.engine.activations import ACTIVATIONS
from dialboard.engine.losses import LOSSES
from dialboard.server import i18n, race

router = APIRouter()
Text = Callable[..., str]  # one language's strings: key, placeholders → words

# g′ in the panel's maths; a name without a formula here is said in words (strings table,
# `meta.g_prime.<name>`). g itself is the engine's own formula.
_G_PRIME: dict[str, str] = {
    "sigmoid": "σ′(z) = σ(z)(1 − σ(z)) = a(1 − a)",
    "tanh": "tanh′(z) = 1 − tanh²(z) = 1 − a²",
    "linear": "g′(z) = 1",
}

_COST: dict[str, dict[str, str]] = {
    "quadratic": {"*": "C = (1/n) Σₓ ½‖y − a‖²"},
    "mse": {"*": "C = (1/(n·n_out)) Σₓ Σₖ (yₖ − aₖ)²"},
    "cross_entropy": {
        "softmax": "C = (1/n) Σₓ −Σₖ yₖ log aₖ",
        "sigmoid": "C = (1/n) Σₓ −Σₖ [yₖ log aₖ + (1 − yₖ) log(1 − aₖ)]",
    },
}
_SOFTMAX_DELTA = "δⱼ = aⱼ (∂C/∂aⱼ − Σₖ aₖ ∂C/∂aₖ)"

# Each learner's phase kinds, in order; their titles and words are in the strings tables.
_PHASES: dict[str, tuple[str, ...]] = {
    "gradient_descent": ("forward", "cost", "backward", "update"),
    "trial_and_error": ("nudge", "cost", "keep"),
    "evolution": ("nudge", "cost", "keep"),
}


def _delta(loss: str, out: str, t: Text) -> dict[str, Any]:
    """The output layer's δ for one example, and how its live numbers are multiplied out:
    δ = scale · (a − y) · g′(z), scale = `scale` (÷ n_out when `per_output`)."""
    if loss == "cross_entropy":
        return {"rule": "δⱼ = aⱼ − yⱼ", "live": {"scale": 1, "per_output": False, "gprime": False}}
    if out == "softmax":
        da = "aₖ − yₖ" if loss == "quadratic" else "(2/n_out) (aₖ − yₖ)"
        return {"rule": t("meta.softmax_delta", rule=_SOFTMAX_DELTA, da=da), "live": None}
    if loss == "mse":
        return {"rule": "δⱼ = (2/n_out) (aⱼ − yⱼ) · g′(zⱼ)",
                "live": {"scale": 2, "per_output": True, "gprime": True}}
    return {"rule": "δⱼ = (aⱼ − yⱼ) · g′(zⱼ)",
            "live": {"scale": 1, "per_output": False, "gprime": True}}


# As TrainConfig validates them: a bound is exclusive when the value must differ from it.
# Labels are the strings tables' `meta.setting.<name>` (and `…_null` for a nullable one).
_SETTINGS: list[dict[str, Any]] = [
    {"name": "learning_rate", "kind": "number",
     "min": 0, "min_exclusive": True, "max": None, "max_exclusive": False, "nullable": False},
    {"name": "batch_size", "kind": "integer",
     "min": 1, "min_exclusive": False, "max": None, "max_exclusive": False, "nullable": True},
    {"name": "momentum", "kind": "number",
     "min": 0, "min_exclusive": False, "max": 1, "max_exclusive": True, "nullable": False},
    {"name": "weight_decay", "kind": "number",
     "min": 0, "min_exclusive": False, "max": None, "max_exclusive": False, "nullable": False},
    {"name": "step_size", "kind": "number",
     "min": 0, "min_exclusive": True, "max": None, "max_exclusive": False, "nullable": False},
]


def _setting(entry: dict[str, Any], t: Text) -> dict[str, Any]:
    name = entry["name"]
    words = {"label": t(f"meta.setting.{name}")}
    if entry["nullable"]:
        words["null_label"] = t(f"meta.setting.{name}_null")
    return {"name": name, **words, **{k: v for k, v in entry.items() if k != "name"}}


def _activation(name: str, t: Text) -> dict[str, str]:
    g_prime = _G_PRIME.get(name) or t(f"meta.g_prime.{name}")
    return {"name": name, "title": t(f"meta.activation.{name}"),
            "g": ACTIVATIONS[name].formula, "g_prime": g_prime}


def _loss(name: str, t: Text) -> dict[str, Any]:
    outputs = LOSSES[name].outputs
    cost = _COST[name]
    return {"name": name, "title": t(f"meta.loss.{name}"), "outputs": list(outputs),
            "cost": {out: cost.get(out, cost.get("*")) for out in outputs},
            "delta": {out: _delta(name, out, t) for out in outputs}}


def _learner(name: str, t: Text) -> dict[str, Any]:
    key = f"meta.learner.{name}"
    phases = [{"kind": kind, "title": t(f"meta.phase.{name}.{kind}.title"),
               "words": t(f"meta.phase.{name}.{kind}.words")} for kind in _PHASES[name]]
    return {"name": name, "title": t(f"{key}.title"), "description": t(f"{key}.description"),
            "phases": phases, "settings": list(LEARNER_SETTINGS[name])}


def meta_document(lang: str | None = None) -> dict[str, Any]:
    """Everything a client needs to name, explain and offer the engine's choices, in words
    of `lang` (English when the server has no table for it)."""
    code = i18n.resolve(lang)

    def t(key: str, **params: Any) -> str:
        return i18n.text(code, key, **params)

    return {
        "hidden_activations": [_activation(n, t) for n in HIDDEN_ACTIVATIONS],
        "output_activations": [_activation(n, t) for n in OUTPUT_ACTIVATIONS],
        "losses": [_loss(n, t) for n in LOSS_NAMES],
        "learners": [_learner(n, t) for n in LEARNER_NAMES],
        "settings": [_setting(s, t) for s in _SETTINGS],
        "race": race.meta_entry(),
    }


_DOCUMENTS: dict[str, dict[str, Any]] = {}


@router.get("/api/meta")
async def meta(lang: str | None = None) -> dict[str, Any]:
    """The vocabulary in the language `lang` names (English when there is no such table)."""
    code = i18n.resolve(lang)
    if code not in _DOCUMENTS:
        _DOCUMENTS[code] = meta_document(code)
    return _DOCUMENTS[code]
