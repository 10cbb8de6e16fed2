"""Ready-made boards, declared once. Ids are what `/?preset=ID` and the REST API use.

A preset's title and description are words, so they live in the strings tables (`i18n`); each
preset names its two keys (written out, so the strings test sees them used), and
`GET /api/presets?lang=` serves them in the language asked, as `/api/meta` does.
"""

from typing import Any

from dialboard.engine.datasets import describe_datasets
from dialboard.server import i18n

XOR: dict[str, Any] = {
    "dataset": "xor", "layers": [2, 2, 1], "activation": "sigmoid",
    "output_activation": "sigmoid", "loss": "quadratic", "learning_rate": 4.0,
    "batch_size": None, "seed": 3, "learner": "gradient_descent",
}

PRESETS: list[dict[str, Any]] = [
    {"id": "xor", "words": ("preset.xor.title", "preset.xor.description"), "config": XOR},
    {"id": "xor-trial", "words": ("preset.xor_trial.title", "preset.xor_trial.description"),
     "config": {**XOR, "learner": "trial_and_error", "step_size": 0.1}},
    {"id": "circle", "words": ("preset.circle.title", "preset.circle.description"),
     "config": {"dataset": "circle", "layers": [2, 4, 1], "activation": "tanh",
                "output_activation": "sigmoid", "loss": "cross_entropy",
                "learning_rate": 0.5, "batch_size": 16, "seed": 1}},
    {"id": "spiral", "words": ("preset.spiral.title", "preset.spiral.description"),
     "config": {"dataset": "spiral", "layers": [2, 8, 8, 1], "activation": "tanh",
                "output_activation": "sigmoid", "loss": "cross_entropy",
                "learning_rate": 0.3, "batch_size": 10, "seed": 1, "momentum": 0.9}},
    {"id": "sine", "words": ("preset.sine.title", "preset.sine.description"),
     "config": {"dataset": "sine", "layers": [1, 8, 1], "activation": "tanh",
                "output_activation": "linear", "loss": "mse", "learning_rate": 0.1,
                "batch_size": 16, "seed": 1, "momentum": 0.9}},
    {"id": "digits-3-vs-7",
     "words": ("preset.digits_3_vs_7.title", "preset.digits_3_vs_7.description"),
     "config": {"dataset": "digits-3-vs-7", "layers": [64, 4, 1], "activation": "sigmoid",
                "output_activation": "sigmoid", "loss": "cross_entropy",
                "learning_rate": 0.5, "batch_size": 16, "seed": 1}},
    {"id": "digits", "words": ("preset.digits.title", "preset.digits.description"),
     "config": {"dataset": "digits", "layers": [64, 16, 10], "activation": "sigmoid",
                "output_activation": "softmax", "loss": "cross_entropy",
                "learning_rate": 0.5, "batch_size": 32, "seed": 1}},
    {"id": "digits-625", "words": ("preset.digits_625.title", "preset.digits_625.description"),
     "config": {"dataset": "digits-25x25", "layers": [625, 20, 20, 10],
                "activation": "sigmoid", "output_activation": "softmax",
                "loss": "cross_entropy", "learning_rate": 0.5, "batch_size": 32, "seed": 1,
                "learner": "gradient_descent"}},
]
PRESETS_BY_ID: dict[str, dict[str, Any]] = {p["id"]: p for p in PRESETS}
DEFAULT_PRESET = "xor"


# Each dataset's words for the page (keys written out, so the strings test sees them used).
DATASET_WORDS: dict[str, tuple[str, str]] = {
    "xor": ("dataset.xor.title", "dataset.xor.description"),
    "circle": ("dataset.circle.title", "dataset.circle.description"),
    "gaussian": ("dataset.gaussian.title", "dataset.gaussian.description"),
    "spiral": ("dataset.spiral.title", "dataset.spiral.description"),
    "moons": ("dataset.moons.title", "dataset.moons.description"),
    "sine": ("dataset.sine.title", "dataset.sine.description"),
    "digits": ("dataset.digits.title", "dataset.digits.description"),
    "digits-25x25": ("dataset.digits_25x25.title", "dataset.digits_25x25.description"),
    "digits-3-vs-7": ("dataset.digits_3_vs_7.title", "dataset.digits_3_vs_7.description"),
}


def datasets_document(lang: str | None = None) -> list[dict[str, object]]:
    """The engine's datasets (`describe_datasets`), their title and description in words of
    `lang` for the page."""
    code = i18n.resolve(lang)
    return [{**d, "title": i18n.text(code, DATASET_WORDS[str(d["name"])][0]),
             "description": i18n.text(code, DATASET_WORDS[str(d["name"])][1])}
            for d in describe_datasets()]


def presets_document(lang: str | None = None) -> list[dict[str, Any]]:
    """`[{"id", "title", "description", "config"}, …]` in words of `lang` (English when the
    server has no table for it)."""
    code = i18n.resolve(lang)
    return [{"id": p["id"], "title": i18n.text(code, p["words"][0]),
             "description": i18n.text(code, p["words"][1]), "config": p["config"]}
            for p in PRESETS]
