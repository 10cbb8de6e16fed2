"""Each loss against its formula written out by hand on small numbers."""

import math

import numpy as np
import pytest

from dialboard.engine.activations import ACTIVATIONS
from dialboard.engine.losses import LOSSES


def value(name: str, z: np.ndarray, y: np.ndarray, out: str) -> float:
    a = ACTIVATIONS[out].forward(z)
    return LOSSES[name].value(z, a, y, out)


def test_quadratic_is_half_squared_distance_averaged_over_examples() -> None:
    z = np.array([[0.5, -1.0], [2.0, 0.0]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    expected = (0.5 * (0.25 + 1.0) + 0.5 * (4.0 + 1.0)) / 2
    assert value("quadratic", z, y, "linear") == pytest.approx(expected, rel=1e-15)


def test_mse_is_the_mean_over_all_elements() -> None:
    z = np.array([[0.5, -1.0], [2.0, 0.0]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert value("mse", z, y, "linear") == pytest.approx((0.25 + 1 + 4 + 1) / 4, rel=1e-15)


def test_softmax_cross_entropy() -> None:
    z = np.array([[1.0, 2.0, 3.0]])
    y = np.array([[0.0, 0.0, 1.0]])
    p3 = math.exp(3) / (math.exp(1) + math.exp(2) + math.exp(3))
    assert value("cross_entropy", z, y, "softmax") == pytest.approx(-math.log(p3), rel=1e-14)


def test_sigmoid_cross_entropy() -> None:
    z = np.array([[0.3], [-2.0]])
    y = np.array([[1.0], [0.0]])

    def s(t: float) -> float:
        return 1 / (1 + math.exp(-t))

    expected = (-math.log(s(0.3)) - math.log(1 - s(-2.0))) / 2
    assert value("cross_entropy", z, y, "sigmoid") == pytest.approx(expected, rel=1e-14)


def test_cross_entropy_stays_finite_when_saturated() -> None:
    z = np.array([[800.0, -800.0]])
    assert value("cross_entropy", z, np.array([[0.0, 1.0]]), "softmax") == pytest.approx(1600)
    c = value("cross_entropy", np.array([[-800.0]]), np.array([[1.0]]), "sigmoid")
    assert c == pytest.approx(800)
