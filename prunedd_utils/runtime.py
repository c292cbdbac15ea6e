"""The device code runs on, and global seeding.

Every computation in prunedd runs on CUDA when a GPU is present and on the CPU otherwise;
``PRUNEDD_DEVICE`` (``cpu``, ``cuda`` or ``cuda:1`` ...) overrides the choice.
"""

from __future__ import annotations

import os
import random

import numpy as np


def device(name: str | None = None):
    """Return the ``torch.device`` to compute on.

    ``name`` (or else ``PRUNEDD_DEVICE``) picks one explicitly; by default CUDA is used
    when available. Asking for CUDA on a machine without it is an error, not a silent
    fallback, so a GPU preset never runs for hours on the CPU by mistake.
    """
    import torch

    name = name or os.environ.get("PRUNEDD_DEVICE", "").strip() or None
    if name is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(name)
    except RuntimeError as err:
        raise ValueError(f"device must be 'cpu' or 'cuda[:index]', got {name!r}") from err
    if chosen.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda[:index]', got {name!r}")
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} was asked for, but CUDA is not available here")
    return chosen


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's global generators (and CUDA's) with ``seed``.

    Library code should prefer explicit generators (``np.random.default_rng(seed)``,
    ``torch.Generator``); this is for notebooks and scripts that use the global ones.
    """
    if not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed))  # noqa: NPY002 (seeding the legacy global generator is the point)
    try:
        import torch
    except ImportError:  # the theory chapters do not need torch
        return
    torch.manual_seed(int(seed))
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(int(seed))
