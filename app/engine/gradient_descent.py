"""Gradient descent: forward layer by layer, the cost, δ layer by layer backwards, then
Δθ = −η(∂C/∂θ + λW) (+ μv under momentum) from a mini-batch or the full batch. One step costs
one forward and one backward pass over its batch; each phase reports that work in its
`Outcome`.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

import numpy as np

from dialboard.engine.network import Architecture, Network, bias_name, weight_name
from dialboard.engine.steps import Context, FlatViews, Outcome, Proposal, Trace, phase_by_phase

Array = np.ndarray
NOTHING = Outcome()  # a phase that proposes nothing and counts no work (frozen: shared)


@dataclass(frozen=True)
class GradientState:
    order: Array  # this epoch's permutation of the training indices
    cursor: int  # where the next mini-batch starts in it
    velocity: dict[str, Array]  # v of momentum, by parameter name
    trace: Trace | None  # the step in progress, if any


def _by_columns(arrays: list[Array | None]) -> list[Array | None]:
    """A layer's z, a and δ as the network lays them out (F order), however they were stored:
    the same numbers in another layout would be summed in another order by BLAS."""
    return [None if a is None else np.asfortranarray(a) for a in arrays]


class GradientDescent:
    name = "gradient_descent"

    def __init__(self, arch: Architecture) -> None:
        L = self.L = arch.n_layers
        self.phases: tuple[str, ...] = (*(f"forward:{l}" for l in range(L)), "cost",
                                        *(f"backward:{l}" for l in reversed(range(L))), "update")
        self._order: Array = np.arange(0)
        self._cursor = 0
        self.velocity: dict[str, Array] = {}
        self.trace = Trace.empty(L)
        self._yb: Array | None = None  # targets of the batch, taken once per step
        self._names = [(weight_name(l), bias_name(l)) for l in range(L)]
        # The step's gradients, each written into its view of one vector (`Network.spans`) when
        # all of them are computed here, so the update is one vector operation; and v as one
        # vector, while `velocity` holds its views (`_proposed`: the last Δθ, dict and vector).
        self._gflat: Array | None = None
        self._vflat: Array | None = None
        self._proposed: tuple[Mapping[str, Array], Array] | None = None

    def abandon(self) -> None:
        self.trace, self._yb, self._gflat = Trace.empty(self.L), None, None

    def state(self, mid_step: bool) -> GradientState:
        # Between steps the trace is spent: a snapshot does not hold it.
        trace = replace(self.trace, zs=list(self.trace.zs), acts=list(self.trace.acts),
                        deltas=list(self.trace.deltas), grads=dict(self.trace.grads)
                        ) if mid_step else None
        return GradientState(self._order, self._cursor, dict(self.velocity), trace)

    def load(self, state: object) -> None:
        assert isinstance(state, GradientState)
        self._order, self._cursor, self.velocity = state.order, state.cursor, dict(state.velocity)
        self._vflat = None
        self.abandon()
        if state.trace is not None:
            t = state.trace
            self.trace = replace(t, zs=_by_columns(t.zs), acts=t.acts[:1] + _by_columns(t.acts[1:]),
                                 deltas=_by_columns(t.deltas), grads=dict(t.grads))

    def _next_batch(self, ctx: Context) -> Array | None:
        """Indices of the next mini-batch (None = full batch); a new permutation per epoch."""
        n, size = ctx.x.shape[0], ctx.config.batch_size
        if size is None or size >= n:
            return None
        if self._cursor >= self._order.size:
            self._order, self._cursor = ctx.rng.permutation(n), 0
        batch = self._order[self._cursor : self._cursor + size]
        self._cursor += size
        return batch

    def run(self, pos: int, ctx: Context) -> Outcome:
        L = self.L
        if pos < L:
            return self._forward(pos, ctx)
        if pos == L:
            return self._cost(ctx)
        if pos < 2 * L + 1:
            return self._backward(2 * L - pos, ctx)
        return Outcome(proposal=self._update(ctx))

    def whole_step(self, ctx: Context) -> Iterator[Outcome]:
        """A whole step's outcomes, for a trainer that takes it at once. A mini-batch step comes
        in two: forward and cost, then backward and update, each the very calls of its phases
        in their order (so the same numbers, bit for bit) without each phase's bookkeeping."""
        size = ctx.config.batch_size
        if size is None or size >= ctx.x.shape[0]:
            yield from phase_by_phase(self.run, len(self.phases), ctx)
            return
        yield self._forward_all(ctx)
        yield self._backward_all(ctx)

    def _forward_all(self, ctx: Context) -> Outcome:
        tr, net = self.trace, ctx.net
        tr.batch = batch = self._next_batch(ctx)
        a = tr.acts[0] = ctx.x[batch]
        y = self._yb = ctx.y[batch]
        for l in range(self.L):
            z, a = tr.zs[l], tr.acts[l + 1] = net.forward_layer(l, a, guarded=False)
        tr.batch_cost = cost = net.cost(z, a, y)
        return Outcome(forward_examples=y.shape[0], batch_cost=cost)

    def _backward_all(self, ctx: Context) -> Outcome:
        tr, net, y = self.trace, ctx.net, self._yb
        assert y is not None
        g = self._gflat = np.empty(net.size)
        delta = None
        for l in range(self.L - 1, -1, -1):
            delta = tr.deltas[l] = net.delta(l, tr.zs, tr.acts, y, delta)  # type: ignore[arg-type]
            w, b = self._names[l]
            tr.grads[w], tr.grads[b] = net.layer_grads(delta, tr.acts[l], net.views(g, l))  # type: ignore[arg-type]
        return Outcome(proposal=self._update(ctx), backward_examples=y.shape[0])

    def _y(self, ctx: Context) -> Array:
        if self._yb is None:
            batch = self.trace.batch
            self._yb = ctx.y if batch is None else ctx.y[batch]
        return self._yb

    def _forward(self, l: int, ctx: Context) -> Outcome:
        tr = self.trace
        if l == 0:
            tr.batch = self._next_batch(ctx)
            self._yb = None
            tr.acts[0] = ctx.x if tr.batch is None else ctx.x[tr.batch]
        st = ctx.screen.exact() if tr.batch is None else None
        if st is not None:  # the full batch at these parameters: the screen has this pass
            tr.zs[l], tr.acts[l + 1] = st.zs[l], st.acts[l + 1]
            return NOTHING
        a_prev = tr.acts[l]
        assert a_prev is not None
        tr.zs[l], tr.acts[l + 1] = ctx.net.forward_layer(l, a_prev, guarded=False)
        return NOTHING

    def _cost(self, ctx: Context) -> Outcome:
        tr = self.trace
        z, a, x = tr.zs[-1], tr.acts[-1], tr.acts[0]
        assert z is not None and a is not None and x is not None
        tr.batch_cost = ctx.net.cost(z, a, self._y(ctx))
        if tr.batch is None:
            ctx.screen.adopt(tr.zs, tr.acts, tr.batch_cost)  # type: ignore[arg-type]
        return Outcome(forward_examples=x.shape[0], batch_cost=tr.batch_cost)

    def _backward(self, l: int, ctx: Context) -> Outcome:
        tr = self.trace
        a_prev = tr.acts[l]
        assert a_prev is not None
        back = ctx.screen.backward() if tr.batch is None else None
        w, b = self._names[l]
        if l == self.L - 1 and back is None:
            self._gflat = np.empty(ctx.net.size)
        if back is not None:  # the screen's gradient is this step's, computed alike
            tr.deltas[l], tr.grads[w], tr.grads[b] = back[1][l], back[0][w], back[0][b]
            self._gflat = None
        else:
            nxt = tr.deltas[l + 1] if l + 1 < self.L else None
            delta = ctx.net.delta(l, tr.zs, tr.acts, self._y(ctx), nxt)  # type: ignore[arg-type]
            tr.deltas[l] = delta
            out = None if self._gflat is None else ctx.net.views(self._gflat, l)
            tr.grads[w], tr.grads[b] = ctx.net.layer_grads(delta, a_prev, out)
        return Outcome(backward_examples=a_prev.shape[0]) if l == 0 else NOTHING

    def _update(self, ctx: Context) -> Proposal:
        """Δθ = −η(∂C/∂θ + λW), plus μv under momentum (v is the last applied Δθ)."""
        cfg, grads, delta = ctx.config, self.trace.grads, {}
        rate, decay, momentum = -cfg.learning_rate, cfg.weight_decay, cfg.momentum
        if self._gflat is not None and not decay and (
                not momentum or self._vflat is not None or self._pack_velocity(ctx.net)):
            return self._update_flat(ctx.net, rate, momentum)
        # An overflow's infinite step is refused as diverged (the stepper ignores overflow).
        for name, p in ctx.net.params.items():
            g = grads[name]
            if decay and name.endswith("weight"):
                g = g + decay * p
            step = g * rate
            if momentum:
                step += momentum * self.velocity.get(name, 0.0)
            delta[name] = step
        return Proposal(delta)

    def _pack_velocity(self, net: Network) -> bool:
        """v as one vector, `velocity` then its views (the same numbers), so that a momentum
        step after a restore, a lock or the screen's gradient is one vector operation again.
        False if v is missing for some parameter (0 there): that update goes tensor by tensor."""
        if not self.velocity:
            return True
        if any(n not in self.velocity for pair in self._names for n in pair):
            return False
        v = self._vflat = net.pack(self.velocity)
        for l, (w, b) in enumerate(self._names):
            self.velocity[w], self.velocity[b] = net.views(v, l)
        return True

    def _update_flat(self, net: Network, rate: float, momentum: float) -> Proposal:
        """`_update` with every gradient in one vector: the same numbers, bit for bit."""
        assert self._gflat is not None
        step = self._gflat * rate
        if momentum:
            step += momentum * (0.0 if self._vflat is None else self._vflat)
        delta = FlatViews(net, step)
        self._proposed = (delta, step)
        return Proposal(delta, flat=step)

    def accepted(self, applied: Mapping[str, Array], ctx: Context) -> None:
        """The trainer applied `applied` (locked dials masked out): under momentum, the new v."""
        if ctx.config.momentum:
            self.velocity.update(applied)
            proposed = self._proposed
            self._vflat = proposed[1] if proposed is not None and applied is proposed[0] else None
