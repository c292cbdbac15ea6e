"""Where prunedd reads data, writes results and keeps its cache.

Each location is an environment variable with a documented default, so that tests, CI and
a reader's own machine can point the same code at different folders:

=====================  ===========================================  ==========================
variable               meaning                                      default
=====================  ===========================================  ==========================
``PRUNEDD_DATA_ROOT``  data sets (``<name>.npz`` or torchvision's)  ``~/.cache/prunedd/data``
``PRUNEDD_RESULTS``    small JSON/CSV results the book reads        ``<repository>/results``
``PRUNEDD_CACHE``      checkpoints and masks (never in git)         ``~/.cache/prunedd``
=====================  ===========================================  ==========================
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The repository that holds this package (its ``results/`` folder is committed)."""


def _from_env(variable: str, default: Path) -> Path:
    value = os.environ.get(variable, "").strip()
    return Path(value).expanduser().resolve() if value else default


def data_root() -> Path:
    """Folder that holds the data sets (``PRUNEDD_DATA_ROOT``)."""
    return _from_env("PRUNEDD_DATA_ROOT", Path.home() / ".cache" / "prunedd" / "data")


def results_root() -> Path:
    """Folder of the committed, human-readable results (``PRUNEDD_RESULTS``)."""
    return _from_env("PRUNEDD_RESULTS", REPO_ROOT / "results")


def cache_root() -> Path:
    """Folder for checkpoints and masks, kept out of git (``PRUNEDD_CACHE``)."""
    return _from_env("PRUNEDD_CACHE", Path.home() / ".cache" / "prunedd")
