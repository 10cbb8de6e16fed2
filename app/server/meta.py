"""`GET /api/meta`: the product's vocabulary, declared once for every client.

Option lists come from the engine, so a name the engine knows always has its words here (a
test checks both ways). The browser keeps no copy: its menus, formulas and phase words are
read from this document. Formulas are written as the phase panel shows them; the loss
formulas are the README's, word for word (a test compares them).
"""

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

router = APIRouter()

# g′ in the panel's words; g itself is the engine's own formula.
_G_PRIME: dict[str, str] = {
    "sigmoid": "σ′(z) = σ(z)(1 − σ(z)) = a(1 − a)",
    "tanh": "tanh′(z) = 1 − tanh²(z) = 1 − a²",
    "relu": "g′(z) = 1 if z > 0, else 0",
    "linear": "g′(z) = 1",
    "softmax": "not one number per neuron: each output depends on every z, so the loss gives δ",
}
_ACTIVATION_TITLES: dict[str, str] = {
    "sigmoid": "sigmoid σ", "tanh": "tanh", "relu": "ReLU", "linear": "linear (none)",
    "softmax": "softmax",
}

_COST: dict[str, dict[str, str]] = {
    "quadratic": {"*": "C = (1/n) Σₓ ½‖y − a‖²"},
    "mse": {"*": "C = (1/(n·n_out)) Σₓ Σₖ (yₖ − aₖ)²"},
    "cross_entropy": {
        "softmax": "C = (1/n) Σₓ −Σₖ yₖ log aₖ",
        "sigmoid": "C = (1/n) Σₓ −Σₖ [yₖ log aₖ + (1 − yₖ) log(1 − aₖ)]",
    },
}
_LOSS_TITLES: dict[str, str] = {
    "quadratic": "quadratic ½‖y − a‖²", "mse": "mean squared error",
    "cross_entropy": "cross-entropy",
}
_SOFTMAX_DELTA = "δⱼ = aⱼ (∂C/∂aⱼ − Σₖ aₖ ∂C/∂aₖ)"


def _delta(loss: str, out: str) -> dict[str, Any]:
    """The output layer's δ for one example, and how its live numbers are multiplied out:
    δ = scale · (a − y) · g′(z), scale = `scale` (÷ n_out when `per_output`)."""
    if loss == "cross_entropy":
        return {"rule": "δⱼ = aⱼ − yⱼ", "live": {"scale": 1, "per_output": False, "gprime": False}}
    if out == "softmax":
        da = "aₖ − yₖ" if loss == "quadratic" else "(2/n_out) (aₖ − yₖ)"
        return {"rule": f"{_SOFTMAX_DELTA}, with ∂C/∂aₖ = {da}", "live": None}
    if loss == "mse":
        return {"rule": "δⱼ = (2/n_out) (aⱼ − yⱼ) · g′(zⱼ)",
                "live": {"scale": 2, "per_output": True, "gprime": True}}
    return {"rule": "δⱼ = (aⱼ − yⱼ) · g′(zⱼ)",
            "live": {"scale": 1, "per_output": False, "gprime": True}}


def _phase(kind: str, title: str, words: str) -> dict[str, str]:
    return {"kind": kind, "title": title, "words": words}




def _weigh(what: str) -> str:
    return (f"The <b>screen</b> weighs {what}: the cost over the whole training set with the "
            "turn, against the cost before it.")


_LEARNERS: dict[str, dict[str, Any]] = {
    "gradient_descent": {
        "title": "gradient descent",
        "description": "Backpropagation finds how the cost changes with every dial, and every "
                       "unlocked dial is turned a little downhill at once.",
        "phases": [
            _phase("forward", "forward", "The examples go <b>forward</b>: each neuron adds up "
                   "what arrives — every input times its dial, plus its bias — and squashes "
                   "the sum with g."),
            _phase("cost", "cost", "The <b>cost</b> compares the outputs with the targets: how "
                   "wrong the network is on this step’s examples."),
            _phase("backward", "backward", "<b>Blame</b> flows backwards. δ says how much the "
                   "cost would change if a neuron’s sum z were nudged. Output neurons are "
                   "blamed for their error; a hidden neuron shares the blame of the neurons it "
                   "feeds, through the dials between them."),
            _phase("update", "update", "Every unlocked dial gets a small <b>nudge</b> against "
                   "its gradient, η times it: exactly where the arrows pointed."),
        ],
    },
    "trial_and_error": {
        "title": "trial and error",
        "description": "Turn one dial by the step size and keep the turn only if the cost "
                       "falls: it needs nothing but the cost.",
        "phases": [
            _phase("nudge", "turn one dial", "<b>Turn one dial</b> by the step size: up "
                   "first, and down on the next try if up did not help. Dials take turns, "
                   "largest first."),
            _phase("cost", "weigh", _weigh("the turned dial")),
            _phase("keep", "keep or undo", "<b>Keep</b> the turn if the cost fell; otherwise "
                   "turn the dial back."),
        ],
    },
    "evolution": {
        "title": "evolution",
        "description": "Turn every unlocked dial by a random amount at once and keep the "
                       "change only if the cost falls.",
        "phases": [
            _phase("nudge", "random turn", "<b>Turn every unlocked dial</b> at once by a "
                   "random amount, typically the step size either way."),
            _phase("cost", "weigh", _weigh("the turned dials")),
            _phase("keep", "keep or undo", "<b>Keep</b> all the turns if the cost fell; "
                   "otherwise turn every dial back."),
        ],
    },
}

# As TrainConfig validates them: a bound is exclusive when the value must differ from it.
SETTINGS: list[dict[str, Any]] = [
    {"name": "learning_rate", "label": "learning rate η", "kind": "number",
     "min": 0, "min_exclusive": True, "max": None, "max_exclusive": False, "nullable": False},
    {"name": "batch_size", "label": "batch size", "kind": "integer",
     "min": 1, "min_exclusive": False, "max": None, "max_exclusive": False, "nullable": True,
     "null_label": "all (full batch)"},
    {"name": "momentum", "label": "momentum μ", "kind": "number",
     "min": 0, "min_exclusive": False, "max": 1, "max_exclusive": True, "nullable": False},
    {"name": "weight_decay", "label": "weight decay λ", "kind": "number",
     "min": 0, "min_exclusive": False, "max": None, "max_exclusive": False, "nullable": False},
    {"name": "step_size", "label": "step size", "kind": "number",
     "min": 0, "min_exclusive": True, "max": None, "max_exclusive": False, "nullable": False},
]


def _activation(name: str) -> dict[str, str]:
    return {"name": name, "title": _ACTIVATION_TITLES[name], "g": ACTIVATIONS[name].formula,
            "g_prime": _G_PRIME[name]}


def _loss(name: str) -> dict[str, Any]:
    outputs = LOSSES[name].outputs
    cost = _COST[name]
    return {"name": name, "title": _LOSS_TITLES[name], "outputs": list(outputs),
            "cost": {out: cost.get(out, cost.get("*")) for out in outputs},
            "delta": {out: _delta(name, out) for out in outputs}}


def _learner(name: str) -> dict[str, Any]:
    return {"name": name, **_LEARNERS[name], "settings": list(LEARNER_SETTINGS[name])}


def meta_document() -> dict[str, Any]:
    """Everything a client needs to name, explain and offer the engine's choices."""
    return {
        "hidden_activations": [_activation(n) for n in HIDDEN_ACTIVATIONS],
        "output_activations": [_activation(n) for n in OUTPUT_ACTIVATIONS],
        "losses": [_loss(n) for n in LOSS_NAMES],
        "learners": [_learner(n) for n in LEARNER_NAMES],
        "settings": SETTINGS,
    }


_DOCUMENT = meta_document()


@router.get("/api/meta")
async def meta() -> dict[str, Any]:
    return _DOCUMENT
