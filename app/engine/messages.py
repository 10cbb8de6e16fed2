"""The engine's refusals in English, by key: the one table of them (see errors.py).

The server merges this table into the English strings table (``refusal.*``), so every other
language translates these keys there; ``{name}`` placeholders take the parameters as given.
"""

MESSAGES: dict[str, str] = {
    # datasets
    "refusal.dataset.arrays_layout": "dataset arrays must be 2-D, float64 and C-contiguous",
    "refusal.dataset.arrays_finite": "dataset arrays must hold finite numbers only",
    "refusal.dataset.train_rows":
        "training inputs and targets need the same, non-zero, row count",
    "refusal.dataset.test_rows": "test inputs and targets need the same row count",
    "refusal.dataset.test_columns":
        "test arrays must have as many columns as the training arrays",
    "refusal.dataset.shape_task": "input_shape must multiply to n_in and task be one of {tasks}",
    "refusal.must_be_got": "{what} must be {rule}, got {value}",
    "refusal.rule.number_range": "a number from 0 to {high}",
    "refusal.rule.finite_range": "a finite number from 0 to {high}",
    "refusal.seed_whole": "seed must be a whole number >= 0, got {value}",
    "refusal.dataset.unknown": "unknown dataset {name}; known datasets: {known}",
    "refusal.dataset.no_noise": "dataset {name} has no noise setting; leave noise as None",
    "refusal.dataset.fixed_size": "dataset {name} has a fixed size; leave n_samples as None",
    "refusal.dataset.samples":
        "n_samples for {name} must be a whole number from {low} to {high}, got {value}",
    "refusal.digits.missing":
        "the digits datasets read the 8x8 digits file that scikit-learn ships, and it was not "
        "found: install scikit-learn (pip install scikit-learn)",
    "refusal.digits.damaged":
        "{path} is not the expected 1797 rows of 64 pixels and a label 0-9",
    # inline data
    "refusal.inline.row_counts":
        "inputs has {inputs} rows but targets has {targets}; each input row needs one target row",
    "refusal.inline.class_names": "class_names fits only targets that are 0/1 or one-hot rows",
    "refusal.inline.boolean": "{where} is a boolean; use 0 or 1 instead of false/true",
    "refusal.inline.not_number": "{where} is not a number (got {kind} {value})",
    "refusal.inline.not_finite": "{where} is not finite (NaN, infinity or beyond float64)",
    "refusal.inline.row_not_list": "{where} must be a list of numbers, got {kind}",
    "refusal.inline.not_rows": "{what} must be a list of rows (lists of numbers), got {kind}",
    "refusal.inline.no_rows": "{what} has no rows; give at least one",
    "refusal.inline.too_many_rows": "{what} has {count} rows; at most {limit} are allowed",
    "refusal.inline.empty_rows": "{what} rows are empty; each row needs at least one number",
    "refusal.inline.too_wide": "{what} rows have {width} values; at most {limit} allowed",
    "refusal.inline.too_many_values": "{what} has {total} values in all; at most {limit} allowed",
    "refusal.inline.ragged": "row {row} of {what} has {count} values, row 0 has {width}",
    "refusal.names.not_list": "{what} must be a list of names (strings)",
    "refusal.names.count": "{what} has {count} names; the data needs {needed}",
    "refusal.names.bad": "{where} {problem}, got {name}",
    "refusal.names.twice": "{what} names {name} twice; every name must differ",
    "refusal.name.length": "must be 1 to {limit} characters",
    "refusal.name.characters": "must not hold < > or control characters",
    "refusal.scaling": "scaling must be one of {known}, got {value}",
    "refusal.columns_shape": 'columns must be {"inputs": [names], "target": name}',
    # settings and network
    "refusal.setting.finite": "{name} must be a finite number, not {value}",
    "refusal.setting.positive": "{name} must be greater than 0, not {value}",
    "refusal.setting.range": "{name} must be at least {low} and below {high}, not {value}",
    "refusal.setting.batch_size": "batch_size must be a whole number ≥ 1 or null, not {value}",
    "refusal.setting.unknown": "unknown setting {name}; known: {known}",
    "refusal.batch_too_big":
        "batch_size {size} is more than the {count} training examples; use null for the full batch",
    "refusal.learner.unknown": "learner {name} is unknown; choose one of {known}",
    "refusal.unknown_choice": "{which} {name} is unknown; choose one of {known}",
    "refusal.softmax_derivative":
        "softmax has no elementwise derivative; use losses.output_delta",
    "refusal.loss.unknown": "loss {name} is unknown; choose one of {known}",
    "refusal.loss.output": "loss {name} needs output_activation {outputs}, not {value}",
    "refusal.layers.too_few": "layers needs at least an input and an output size, e.g. [2, 2, 1]",
    "refusal.layers.too_many":
        "layers lists {count} sizes; at most {limit} ({layers} layers of dials) are allowed",
    "refusal.layers.size": "layers[{i}] is {value}; every layer needs a whole number ≥ 1",
    "refusal.layers.fit_data":
        "dataset {name} has {n_in} inputs and {n_out} outputs, but layers is {layers}; make "
        "layers start with {n_in} and end with {n_out}",
    "refusal.parameter.unknown": "unknown parameter {name}; this network has {names}",
    "refusal.index.length": "index for {name} needs {count} whole numbers, got {value}",
    "refusal.index.range": "index[{k}] of {name} must be 0 … {last}, got {value}",
    "refusal.params.numbers": "{name} must be numbers: {detail}",
    "refusal.params.shape": "{name} has shape {shape}, expected {expected}",
    "refusal.params.finite": "{name} contains NaN or infinity",
    "refusal.params.limit": "{name} has values beyond ±{limit}",
    "refusal.value.finite": "value for {dial} must be a finite number, not {value}",
    "refusal.value.limit": "value for {dial} must be within ±{limit}",
    "refusal.lock_mask": "a lock mask for {name} must have shape {shape}",
    "refusal.all_locked": "every dial is locked; unlock one so trial and error can turn it",
    # probes
    "refusal.probe.points": "points must be 2 … {limit}, not {points}",
    "refusal.probe.range": "the range needs finite lo < hi, not lo={lo}, hi={hi}",
    "refusal.probe.beyond":
        "the range lo={lo} … hi={hi} goes past ±{limit}, where no dial can be set",
    # divergence: `diverged` says why, in one of the refusal.why.* sentences
    "refusal.diverged":
        "training diverged at step {step}: {why}. Lower the learning rate (now {rate}) or step "
        "size, then undo or reset",
    "refusal.why.update": "the update would push {name} beyond ±{limit}",
    "refusal.why.batch_cost": "the batch cost is {cost}",
    "refusal.why.runaway":
        "the cost ran away: {cost} over the training set, more than {factor}× the {start} this "
        "run started from",
    "refusal.why.cost": "the cost over the training set is {cost}",
    "refusal.as_said": "{text}",
}
