"""Dialboard: watch backpropagation, one dial per weight."""

__version__ = "0.1.0"

__all__ = ["__version__"]
