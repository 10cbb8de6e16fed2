"""A session's JSON config → a resolved config and a Trainer, with errors that name the field."""

from typing import Any

from dialboard.engine import Architecture, ConfigError, Dataset, TrainConfig, Trainer
from dialboard.engine.budget import working_bytes
from dialboard.engine.datasets import inline_dataset, load_dataset
from dialboard.server.csv_data import CsvError, to_inline
from dialboard.server.history import MAX_BYTES, MAX_LEVELS
from dialboard.server.presets import DEFAULT_PRESET, PRESETS_BY_ID

FIELDS: tuple[str, ...] = (
    "preset", "layers", "activation", "output_activation", "loss", "learning_rate",
    "batch_size", "momentum", "weight_decay", "step_size", "seed", "dataset",
    "dataset_options", "init", "locked", "learner",
)
INLINE_FIELDS = ("inputs", "targets", "test_fraction", "class_names", "scaling", "columns")
TRAIN_FIELDS: tuple[str, ...] = (
    "learning_rate", "batch_size", "momentum", "weight_decay", "step_size", "learner",
)


class InvalidConfig(ValueError):
    """Carries a message that names the offending field."""


def _named(field: str, exc: Exception) -> InvalidConfig:
    msg = str(exc)
    return InvalidConfig(msg if msg.startswith(field) else f"{field}: {msg}")


def resolve(body: object) -> dict[str, Any]:
    """Preset defaults overlaid with the explicit fields."""
    if not isinstance(body, dict):
        raise InvalidConfig("the session config must be a JSON object")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise InvalidConfig(f"unknown field {unknown[0]!r}; known fields: {', '.join(FIELDS)}")
    preset = body.get("preset", DEFAULT_PRESET)
    if not isinstance(preset, str) or preset not in PRESETS_BY_ID:
        raise InvalidConfig(
            f"preset: {preset!r} is unknown; choose one of {', '.join(PRESETS_BY_ID)}")
    config: dict[str, Any] = {"preset": preset, "dataset_options": {}, "init": None,
                              "locked": [], "momentum": 0.0, "weight_decay": 0.0,
                              "step_size": 0.05, "learner": "gradient_descent"}
    config.update(PRESETS_BY_ID[preset]["config"])
    config.update({k: v for k, v in body.items() if k != "preset"})
    data = config.get("dataset")
    if isinstance(data, dict) and "csv" in data:  # kept as the inline data it becomes
        if set(data) != {"csv"}:
            raise InvalidConfig('dataset: a CSV dataset is {"csv": {…}} alone')
        try:
            config["dataset"] = to_inline(data["csv"])
        except CsvError as exc:
            raise InvalidConfig(f"dataset: {exc}") from None
    return config


def _dataset(config: dict[str, Any], seed: int, max_rows: int) -> Dataset:
    spec = config["dataset"]
    try:
        if isinstance(spec, str):
            opts = config.get("dataset_options") or {}
            if not isinstance(opts, dict) or set(opts) - {"noise", "n_samples", "test_fraction"}:
                raise ConfigError("must be an object with noise, n_samples or test_fraction")
            return load_dataset(spec, seed=seed, **opts)
        if isinstance(spec, dict):
            extra = set(spec) - set(INLINE_FIELDS)
            if extra or "inputs" not in spec or "targets" not in spec:
                raise ConfigError('inline data must be {"inputs": [[…]], "targets": [[…]]} '
                                  f"with optional {', '.join(INLINE_FIELDS[2:])}")
            rows = spec["inputs"]
            if isinstance(rows, list) and len(rows) > max_rows:
                raise ConfigError(f"inline data has {len(rows)} rows; the limit is {max_rows}")
            return inline_dataset(spec["inputs"], spec["targets"],
                                  test_fraction=spec.get("test_fraction", 0.0), seed=seed,
                                  class_names=spec.get("class_names"),
                                  scaling=spec.get("scaling", "none"),
                                  columns=spec.get("columns"))
        raise ConfigError("must be a dataset name or inline {inputs, targets}")
    except (ConfigError, TypeError) as exc:
        raise _named("dataset", exc) from None


def _seed(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise InvalidConfig(f"seed must be a whole number from 0 to 2^63 − 1, not {value!r}")
    return value


def _train_config(config: dict[str, Any]) -> TrainConfig:
    try:
        return TrainConfig(**{k: config[k] for k in TRAIN_FIELDS})
    except ConfigError as exc:
        raise _named(str(exc).split(" ")[0], exc) from None


def memory_bytes(arch: Architecture, n_train: int, n_test: int, batch: int | None) -> int:
    """The engine's working memory and the undo history's bound, for one session."""
    snapshot = 2 * 8 * arch.parameter_count  # parameters and momentum
    return working_bytes(arch, n_train, n_test, batch) + min(MAX_BYTES, MAX_LEVELS * snapshot)


def build(config: dict[str, Any], *, max_parameters: int, max_rows: int = 10_000,
          max_bytes: int = 2**62) -> Trainer:
    """A Trainer for a resolved config; raises InvalidConfig naming the field."""
    seed = _seed(config["seed"])
    layers = config["layers"]
    if not isinstance(layers, list) or not layers:
        raise InvalidConfig("layers must be a list of layer sizes such as [2, 2, 1]")
    try:
        arch = Architecture(tuple(layers), config["activation"], config["output_activation"],
                            config["loss"])
    except ConfigError as exc:
        raise _named("layers" if "layers" in str(exc) else "activation", exc) from None
    if arch.parameter_count > max_parameters:
        raise InvalidConfig(f"layers: this network has {arch.parameter_count:,} parameters; "
                            f"the limit is {max_parameters:,}")
    train = _train_config(config)
    data = _dataset(config, seed, max_rows)
    need = memory_bytes(arch, data.x_train.shape[0], data.x_test.shape[0], train.batch_size)
    if need > max_bytes:
        raise InvalidConfig(
            f"layers: this board would need about {need / 2**20:,.0f} MiB of memory "
            f"(network, data and undo history); one session may use {max_bytes / 2**20:,.0f} "
            "MiB. Use fewer or narrower layers, or less data")
    init = config.get("init")
    if init is not None and not isinstance(init, dict):
        raise InvalidConfig("init must be an object {parameter name: nested list}")
    try:
        trainer = Trainer(arch, data, train, seed=seed, init=init)
    except ConfigError as exc:
        field = "init" if init and any(n in str(exc) for n in init) else "layers"
        raise _named(field, exc) from None
    if train.batch_size is not None and train.batch_size > data.x_train.shape[0]:
        raise InvalidConfig(f"batch_size {train.batch_size} is more than the "
                            f"{data.x_train.shape[0]} training examples; use null")
    _apply_locks(trainer, config.get("locked") or [])
    return trainer


def _apply_locks(trainer: Trainer, locked: object) -> None:
    if not isinstance(locked, list):
        raise InvalidConfig("locked must be a list of names or {name, index} objects")
    for k, item in enumerate(locked):
        try:
            if isinstance(item, str):
                trainer.set_locked(item, None, True)
            elif isinstance(item, dict) and set(item) == {"name", "index"}:
                trainer.set_locked(str(item["name"]), item["index"], True)
            else:
                raise ConfigError("must be a parameter name or {name, index}")
        except ConfigError as exc:
            raise InvalidConfig(f"locked[{k}]: {exc}") from None
