"""Seeded toy data: 2-D two-class shapes in the style of TensorFlow Playground, and a 1-D sine.

Each 2-D generator takes (rng, n, noise) and returns (x, labels): x of shape (n, 2) float64,
scaled so the clean shape lies inside [-1, 1]^2, and labels of shape (n,) int64 in {0, 1}
(n // 2 of class 0, the rest class 1), rows in random order. noise is the standard deviation
of gaussian jitter added to both coordinates after the clean shape is drawn. The random draws
do not depend on noise, so one seed gives the same base points at every noise level.
"""

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ToyGenerator = Callable[[np.random.Generator, int, float], tuple[FloatArray, IntArray]]

CIRCLE_INNER_RADIUS = 0.5  # class 1: the disc r < 0.5
CIRCLE_RING = (0.7, 1.0)  # class 0: the ring 0.7 <= r <= 1
GAUSSIAN_CENTRE = 0.4  # class 1 centred on (0.4, 0.4), class 0 on (-0.4, -0.4)
GAUSSIAN_SPREAD = 0.1  # per-coordinate standard deviation of each blob before noise
SPIRAL_TURNS = 1.75  # turns each arm makes while its radius grows from 0 to 1
# Moons are drawn on the scikit-learn layout (x in [-1, 2], y in [-0.5, 1]) then mapped
# into [-1, 1] x [-0.5, 0.5] by (p - MOONS_CENTRE) / MOONS_SCALE.
MOONS_CENTRE = np.array([0.5, 0.25])
MOONS_SCALE = 1.5


def _labels(n: int) -> IntArray:
    n0 = n // 2
    return np.repeat(np.array([0, 1], dtype=np.int64), [n0, n - n0])


def _finish(
    rng: np.random.Generator, points: FloatArray, labels: IntArray, noise: float
) -> tuple[FloatArray, IntArray]:
    jittered = points + noise * rng.normal(size=points.shape)
    order = rng.permutation(len(labels))
    return np.ascontiguousarray(jittered[order], dtype=np.float64), labels[order]


def _polar(radius: FloatArray, angle: FloatArray) -> FloatArray:
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def circle(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, IntArray]:
    labels = _labels(n)
    inner = labels == 1
    # r = sqrt(u), u uniform in [r_lo^2, r_hi^2], spreads points evenly over the area.
    low = np.where(inner, 0.0, CIRCLE_RING[0] ** 2)
    high = np.where(inner, CIRCLE_INNER_RADIUS**2, CIRCLE_RING[1] ** 2)
    radius = np.sqrt(rng.uniform(low, high))
    angle = rng.uniform(0.0, 2.0 * np.pi, size=n)
    return _finish(rng, _polar(radius, angle), labels, noise)


def gaussian(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, IntArray]:
    labels = _labels(n)
    centre = np.where(labels == 1, GAUSSIAN_CENTRE, -GAUSSIAN_CENTRE)[:, None]
    points = centre + GAUSSIAN_SPREAD * rng.normal(size=(n, 2))
    return _finish(rng, points, labels, noise)


def spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, IntArray]:
    labels = _labels(n)
    radius = rng.uniform(0.0, 1.0, size=n)
    # Arm k sits at angle 2*pi*turns*r + k*pi: the two arms are half a turn apart.
    angle = 2.0 * np.pi * SPIRAL_TURNS * radius + np.pi * labels
    return _finish(rng, _polar(radius, angle), labels, noise)


def moons(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, IntArray]:
    labels = _labels(n)
    t = rng.uniform(0.0, np.pi, size=n)
    upper = labels == 0
    # Class 0: upper half of the unit circle; class 1: lower half circle centred on (1, 0.5).
    x = np.where(upper, np.cos(t), 1.0 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    points = (np.column_stack([x, y]) - MOONS_CENTRE) / MOONS_SCALE
    return _finish(rng, points, labels, noise)


def sine(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, FloatArray]:
    """x uniform in [-1, 1], shape (n, 1); y = sin(pi x) + noise * N(0, 1), shape (n, 1)."""
    x = rng.uniform(-1.0, 1.0, size=(n, 1))
    y = np.sin(np.pi * x) + noise * rng.normal(size=(n, 1))
    return x, y
