"""How much memory a network and its data will hold while they train: arithmetic only, so a
server can refuse a board before building it."""

from dialboard.engine.network import Architecture

F64 = 8


def working_bytes(arch: Architecture, n_train: int, n_test: int, batch: int | None) -> int:
    """An upper estimate, in bytes, of what a Trainer holds at its busiest.

    - data: inputs and targets, and the screen's transposed copy of the training inputs;
    - the screens: z and a of every layer for every example, for the training and test sets,
      twice (the cached pass and one a trial or a turn keeps aside), plus δ of every layer
      for the training set (the gradient and the per-example nudges);
    - a step: z, a and δ of the batch, twice (the step and `next_update`'s look ahead);
    - parameters ×10: the values, gradient, velocity, next update, step gradient, saved
      copies and the frames' narrowed copies.
    """
    n_in, n_out = arch.layers[0], arch.layers[-1]
    width = sum(arch.layers[1:])
    rows = n_batch = n_train if batch is None else min(batch, n_train)
    data = (n_train + n_test) * (n_in + n_out) + n_train * n_in
    screens = 2 * 2 * (n_train + n_test) * width + n_train * width
    step = 2 * 3 * rows * width + 2 * n_batch * n_in
    return F64 * (data + screens + step + 10 * arch.parameter_count)
