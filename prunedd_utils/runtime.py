"""The device code runs on, what its CPU can do, and global seeding.

Every computation in prunedd runs on CUDA when a GPU is present and on the CPU otherwise;
``PRUNEDD_DEVICE`` (``cpu``, ``cuda`` or ``cuda:1`` ...) overrides the choice.
``native_bf16()`` says whether the CPU computes bfloat16 in hardware (AVX512-BF16 or
AMX-BF16); without it, bf16 autocast is emulated and much slower than float32.
"""

from __future__ import annotations

import functools
import os
import random
from pathlib import Path

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


BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
"""``/proc/cpuinfo`` flags of CPUs that compute bfloat16 natively (AVX512-BF16, AMX-BF16)."""


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU feature flags listed in ``cpuinfo`` (empty when it cannot be read: not Linux)."""
    try:
        text = Path(cpuinfo).read_text(errors="replace")
    except OSError:
        return frozenset()
    flags: set[str] = set()
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in ("flags", "Features"):  # x86, and ARM's name for them
            flags.update(value.split())
    return frozenset(flags)


def _torch_says_bf16() -> bool:
    """torch's own (private, so guarded) CPU feature checks; False when it has none."""
    import torch

    for owner in (getattr(torch, "cpu", None), getattr(getattr(torch, "_C", None), "_cpu", None)):
        for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
            check = getattr(owner, name, None)
            if check is None:
                continue
            try:
                if check():
                    return True
            except Exception:  # a private API may change or fail: then, no
                continue
    return False


@functools.lru_cache(maxsize=1)
def native_bf16() -> bool:
    """Whether this CPU computes bfloat16 in hardware: AVX512-BF16 or AMX-BF16.

    Read from the flags of ``/proc/cpuinfo`` (Linux) or torch's private CPU checks (AMX
    tiles come with AMX-BF16). Without native bf16, autocast to bf16 on the CPU converts
    every operand and computes in float32: measured 10x slower than plain fp32 on an
    AVX2-only CPU (``benchmarks/bench_training.py``).
    """
    return bool(cpu_flags() & BF16_FLAGS) or _torch_says_bf16()


def cpu_capability() -> str:
    """The vector instruction set torch's CPU kernels use here (``AVX2``, ``AVX512``...)."""
    import torch

    try:
        return str(torch.backends.cpu.get_cpu_capability())
    except (AttributeError, RuntimeError):
        return "unknown"


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
