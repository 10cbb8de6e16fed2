"""Ready-made boards, declared once. Ids are what `/?preset=ID` and the REST API use."""

from typing import Any

XOR: dict[str, Any] = {
    "dataset": "xor", "layers": [2, 2, 1], "activation": "sigmoid",
    "output_activation": "sigmoid", "loss": "quadratic", "learning_rate": 4.0,
    "batch_size": None, "seed": 3, "learner": "gradient_descent",
}

PRESETS: list[dict[str, Any]] = [
    {"id": "xor", "title": "XOR on 2-2-1",
     "description": "The four XOR points and the smallest network that can learn them: "
                    "9 dials. Step through forward, cost, backward and update, or turn a dial "
                    "yourself and watch the cost answer.",
     "config": XOR},
    {"id": "xor-trial", "title": "XOR by trial and error",
     "description": "The same XOR board, learned the slow way: turn one dial a little, keep "
                    "it if the cost falls. Compare the forward passes it spends with backprop.",
     "config": {**XOR, "learner": "trial_and_error", "step_size": 0.1}},
    {"id": "circle", "title": "Circle: inside or outside",
     "description": "Points inside a disc against a ring around it, on 2-4-1 with tanh.",
     "config": {"dataset": "circle", "layers": [2, 4, 1], "activation": "tanh",
                "output_activation": "sigmoid", "loss": "cross_entropy",
                "learning_rate": 0.5, "batch_size": 16, "seed": 1}},
    {"id": "spiral", "title": "Two spirals",
     "description": "Two interleaved spirals: a hard 2-D problem for 2-8-8-1 with tanh.",
     "config": {"dataset": "spiral", "layers": [2, 8, 8, 1], "activation": "tanh",
                "output_activation": "sigmoid", "loss": "cross_entropy",
                "learning_rate": 0.3, "batch_size": 10, "seed": 1, "momentum": 0.9}},
    {"id": "sine", "title": "Fit a sine wave",
     "description": "Regression: 1-8-1 with tanh learns y = sin(πx) from noisy points.",
     "config": {"dataset": "sine", "layers": [1, 8, 1], "activation": "tanh",
                "output_activation": "linear", "loss": "mse", "learning_rate": 0.1,
                "batch_size": 16, "seed": 1, "momentum": 0.9}},
    {"id": "digits-3-vs-7", "title": "Handwritten 3 or 7",
     "description": "Real 8×8 handwritten digits, 3s against 7s, on 64-4-1.",
     "config": {"dataset": "digits-3-vs-7", "layers": [64, 4, 1], "activation": "sigmoid",
                "output_activation": "sigmoid", "loss": "cross_entropy",
                "learning_rate": 0.5, "batch_size": 16, "seed": 1}},
    {"id": "digits", "title": "Handwritten digits, 8×8",
     "description": "All ten digits at 8×8 pixels on 64-16-10 with softmax outputs.",
     "config": {"dataset": "digits", "layers": [64, 16, 10], "activation": "sigmoid",
                "output_activation": "softmax", "loss": "cross_entropy",
                "learning_rate": 0.5, "batch_size": 32, "seed": 1}},
    {"id": "digits-625", "title": "The explanation's board: 625-20-20-10",
     "description": "25×25 handwritten digits on 625 inputs, 20 and 20 hidden neurons and 10 "
                    "classes: 13,100 weights and 50 biases, every one a dial.",
     "config": {"dataset": "digits-25x25", "layers": [625, 20, 20, 10],
                "activation": "sigmoid", "output_activation": "softmax",
                "loss": "cross_entropy", "learning_rate": 0.5, "batch_size": 32, "seed": 1,
                "learner": "gradient_descent"}},
]
PRESETS_BY_ID: dict[str, dict[str, Any]] = {p["id"]: p for p in PRESETS}
DEFAULT_PRESET = "xor"
