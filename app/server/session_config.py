"""A session's JSON config → a resolved config and a Trainer, with errors that name the field."""

from typing import Any

from dialboard.engine import Architecture, ConfigError, Dataset, TrainConfig, Trainer
from dialboard.engine.budget import working_bytes
from dialboard.engine.datasets import inline_dataset, load_dataset
from dialboard.engine.errors import count
from dialboard.server.csv_data import CsvError, to_inline
from dialboard.server.history import MAX_BYTES, MAX_LEVELS
from dialboard.server.presets import DEFAULT_PRESET, PRESETS_BY_ID
from dialboard.server.refusals import Refused, in_field
from dialboard.server.timeline import bound as timeline_bytes

FIELDS: tuple[str, ...] = (
    "preset", "layers", "activation", "output_activation", "loss", "learning_rate",
    "batch_size", "momentum", "weight_decay", "step_size", "seed", "dataset",
    "dataset_options", "init", "locked", "learner",
)
INLINE_FIELDS = ("inputs", "targets", "test_fraction", "class_names", "scaling", "columns")
TRAIN_FIELDS: tuple[str, ...] = (
    "learning_rate", "batch_size", "momentum", "weight_decay", "step_size", "learner",
)


class InvalidConfig(Refused):
    """Carries words that name the offending field."""


def _named(field: str, exc: Exception) -> InvalidConfig:
    return InvalidConfig(in_field(field, exc))


def resolve(body: object) -> dict[str, Any]:
    """Preset defaults overlaid with the explicit fields."""
    if not isinstance(body, dict):
        raise InvalidConfig("refusal.config.not_object")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise InvalidConfig("refusal.unknown_field", name=repr(unknown[0]),
                            known=", ".join(FIELDS))
    preset = body.get("preset", DEFAULT_PRESET)
    if not isinstance(preset, str) or preset not in PRESETS_BY_ID:
        raise InvalidConfig("refusal.config.preset", name=repr(preset),
                            known=", ".join(PRESETS_BY_ID))
    config: dict[str, Any] = {"preset": preset, "dataset_options": {}, "init": None,
                              "locked": [], "momentum": 0.0, "weight_decay": 0.0,
                              "step_size": 0.05, "learner": "gradient_descent"}
    config.update(PRESETS_BY_ID[preset]["config"])
    config.update({k: v for k, v in body.items() if k != "preset"})
    data = config.get("dataset")
    if isinstance(data, dict) and "csv" in data:  # kept as the inline data it becomes
        if set(data) != {"csv"}:
            raise InvalidConfig("refusal.config.csv_alone")
        try:
            config["dataset"] = to_inline(data["csv"])
        except CsvError as exc:
            raise InvalidConfig("refusal.field", field="dataset", why=exc.words) from None
    return config


def _dataset(config: dict[str, Any], seed: int, max_rows: int) -> Dataset:
    spec = config["dataset"]
    try:
        if isinstance(spec, str):
            opts = config.get("dataset_options") or {}
            if not isinstance(opts, dict) or set(opts) - {"noise", "n_samples", "test_fraction"}:
                raise InvalidConfig("refusal.config.dataset_options")
            return load_dataset(spec, seed=seed, **opts)
        if isinstance(spec, dict):
            extra = set(spec) - set(INLINE_FIELDS)
            if extra or "inputs" not in spec or "targets" not in spec:
                raise InvalidConfig("refusal.config.inline_shape",
                                    optional=", ".join(INLINE_FIELDS[2:]))
            rows = spec["inputs"]
            if isinstance(rows, list) and len(rows) > max_rows:
                raise InvalidConfig("refusal.config.inline_rows", count=count(len(rows)),
                                    limit=count(max_rows))
            return inline_dataset(spec["inputs"], spec["targets"],
                                  test_fraction=spec.get("test_fraction", 0.0), seed=seed,
                                  class_names=spec.get("class_names"),
                                  scaling=spec.get("scaling", "none"),
                                  columns=spec.get("columns"))
        raise InvalidConfig("refusal.config.dataset_kind")
    except (ConfigError, InvalidConfig, TypeError) as exc:
        raise _named("dataset", exc) from None


def _seed(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise InvalidConfig("refusal.config.seed", value=repr(value))
    return value


def _train_config(config: dict[str, Any]) -> TrainConfig:
    try:
        return TrainConfig(**{k: config[k] for k in TRAIN_FIELDS})
    except ConfigError as exc:
        raise _named(str(exc).split(" ")[0], exc) from None


def memory_bytes(arch: Architecture, n_train: int, n_test: int, batch: int | None) -> int:
    """The engine's working memory and the bounds of the undo history and the timeline, for
    one session."""
    snapshot = 2 * 8 * arch.parameter_count  # parameters and momentum
    return (working_bytes(arch, n_train, n_test, batch) + min(MAX_BYTES, MAX_LEVELS * snapshot)
            + timeline_bytes(arch.parameter_count, n_train))


def build(config: dict[str, Any], *, max_parameters: int, max_rows: int = 10_000,
          max_bytes: int = 2**62) -> Trainer:
    """A Trainer for a resolved config; raises InvalidConfig naming the field."""
    seed = _seed(config["seed"])
    layers = config["layers"]
    if not isinstance(layers, list) or not layers:
        raise InvalidConfig("refusal.config.layers")
    try:
        arch = Architecture(tuple(layers), config["activation"], config["output_activation"],
                            config["loss"])
    except ConfigError as exc:
        raise _named("layers" if "layers" in str(exc) else "activation", exc) from None
    if arch.parameter_count > max_parameters:
        raise InvalidConfig("refusal.config.parameters", count=count(arch.parameter_count),
                            limit=count(max_parameters))
    train = _train_config(config)
    data = _dataset(config, seed, max_rows)
    need = memory_bytes(arch, data.x_train.shape[0], data.x_test.shape[0], train.batch_size)
    if need > max_bytes:
        raise InvalidConfig("refusal.config.memory", need=f"{need / 2**20:,.0f}",
                            limit=f"{max_bytes / 2**20:,.0f}")
    init = config.get("init")
    if init is not None and not isinstance(init, dict):
        raise InvalidConfig("refusal.config.init")
    try:
        trainer = Trainer(arch, data, train, seed=seed, init=init)
    except ConfigError as exc:
        field = "init" if init and any(n in str(exc) for n in init) else "layers"
        raise _named(field, exc) from None
    if train.batch_size is not None and train.batch_size > data.x_train.shape[0]:
        raise InvalidConfig("refusal.config.batch_size", size=train.batch_size,
                            count=data.x_train.shape[0])
    _apply_locks(trainer, config.get("locked") or [])
    return trainer


def _apply_locks(trainer: Trainer, locked: object) -> None:
    if not isinstance(locked, list):
        raise InvalidConfig("refusal.config.locked")
    for k, item in enumerate(locked):
        try:
            if isinstance(item, str):
                trainer.set_locked(item, None, True)
            elif isinstance(item, dict) and set(item) == {"name", "index"}:
                trainer.set_locked(str(item["name"]), item["index"], True)
            else:
                raise InvalidConfig("refusal.config.lock_item")
        except (ConfigError, InvalidConfig) as exc:
            raise InvalidConfig("refusal.field", field=f"locked[{k}]", why=exc.words) from None
