"""Fieldwright: a desktop mapping designer for integration analysts."""

__version__ = "0.1.0"
