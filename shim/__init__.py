"""uv-shim: a thin `uv` in front of the real one that keeps private-index tools upgradable."""

__version__ = "0.1.0"
