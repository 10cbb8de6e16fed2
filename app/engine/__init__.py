"""Dialboard's engine: a NumPy network trained phase by phase. NumPy and stdlib only."""

from dialboard.engine.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from dialboard.engine.config import LEARNER_NAMES, LEARNER_SETTINGS, TrainConfig
from dialboard.engine.datasets import DATASET_NAMES, Dataset, inline_dataset, load_dataset
from dialboard.engine.errors import ConfigError, DivergedError, Words, words
from dialboard.engine.lookahead import NextUpdate, next_update
from dialboard.engine.losses import LOSS_NAMES
from dialboard.engine.network import Architecture, Network, bias_name, parse_name, weight_name
from dialboard.engine.steps import Context, Outcome, Proposal, Snapshot, Trace, Work
from dialboard.engine.trainer import Trainer

__all__ = [
    "DATASET_NAMES", "HIDDEN_ACTIVATIONS", "LEARNER_NAMES", "LEARNER_SETTINGS", "LOSS_NAMES",
    "OUTPUT_ACTIVATIONS",
    "Architecture", "ConfigError", "Context", "Dataset", "DivergedError", "Network",
    "NextUpdate", "Outcome", "Proposal", "Snapshot", "Trace",
    "TrainConfig", "Trainer", "Words", "Work", "bias_name", "inline_dataset", "load_dataset",
    "next_update", "parse_name", "weight_name", "words",
]
