"""Errors the engine raises. Every message says what to fix."""


class ConfigError(ValueError):
    """A configuration, dataset or argument the engine cannot use."""


class DivergedError(RuntimeError):
    """Training was asked to go on after the cost or a parameter stopped being finite."""
