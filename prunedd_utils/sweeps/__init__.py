"""The named sweeps of the book's chapters: one module each, with presets.

Each sweep module defines ``EXPERIMENT`` (its folder under the results root), ``PRESETS``
(``tiny`` for the tests, ``cpu`` for the stored results that the chapter reads, ``gpu``
for the paper's scale), ``settings(**params)`` (the list of runs), and ``DESCRIPTION``.
A chapter's parameters cell holds its ``cpu`` preset.
"""

from __future__ import annotations

import importlib
from types import ModuleType

NAMES = ("two_layer", "resnet20", "threshold_mnist1d", "threshold_cifar", "prune_at_init")
PRESET_NAMES = ("tiny", "cpu", "gpu")


def get(name: str) -> ModuleType:
    """The sweep module called ``name``; ValueError naming the known sweeps otherwise."""
    if name not in NAMES:
        raise ValueError(f"sweep must be one of {NAMES}, got {name!r}")
    return importlib.import_module(f"{__name__}.{name}")


def settings(name: str, preset: str = "cpu", **overrides) -> list:
    """The runs of sweep ``name`` at ``preset``, with any parameter overridden."""
    module = get(name)
    if preset not in module.PRESETS:
        raise ValueError(f"preset must be one of {tuple(module.PRESETS)} for sweep {name!r}, "
                         f"got {preset!r}")
    return module.settings(**{**module.PRESETS[preset], **overrides})
