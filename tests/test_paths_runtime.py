"""The data-root, results and cache settings, device selection and global seeding."""

from __future__ import annotations

import random
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from prunedd_utils import paths, runtime


@pytest.mark.parametrize(
    ("func", "variable"),
    [
        (paths.data_root, "PRUNEDD_DATA_ROOT"),
        (paths.results_root, "PRUNEDD_RESULTS"),
        (paths.cache_root, "PRUNEDD_CACHE"),
    ],
)
def test_environment_variable_sets_the_folder(func, variable, tmp_path, monkeypatch):
    monkeypatch.setenv(variable, str(tmp_path))
    assert func() == tmp_path.resolve()


def test_documented_defaults(monkeypatch):
    for variable in ("PRUNEDD_DATA_ROOT", "PRUNEDD_RESULTS", "PRUNEDD_CACHE"):
        monkeypatch.delenv(variable, raising=False)
    home = Path.home()
    assert paths.data_root() == home / ".cache" / "prunedd" / "data"
    assert paths.results_root() == paths.REPO_ROOT / "results"
    assert paths.cache_root() == home / ".cache" / "prunedd"


def test_empty_variable_means_default(monkeypatch):
    monkeypatch.setenv("PRUNEDD_RESULTS", "  ")
    assert paths.results_root() == paths.REPO_ROOT / "results"


def test_device_defaults_to_cuda_when_available(monkeypatch):
    monkeypatch.delenv("PRUNEDD_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert runtime.device().type == expected


def test_device_override(monkeypatch):
    monkeypatch.setenv("PRUNEDD_DEVICE", "cpu")
    assert runtime.device() == torch.device("cpu")
    assert runtime.device("cpu") == torch.device("cpu")


def test_device_rejects_unknown_and_unavailable():
    with pytest.raises(ValueError, match="device"):
        runtime.device("mps:banana")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            runtime.device("cuda")


def test_seed_everything_makes_draws_repeat():
    def draws():
        return random.random(), np.random.rand(), torch.rand(1).item()  # noqa: NPY002

    runtime.seed_everything(123)
    first = draws()
    runtime.seed_everything(123)
    assert draws() == first
    runtime.seed_everything(124)
    assert draws() != first


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "7"])
def test_seed_everything_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed must be an integer"):
        runtime.seed_everything(seed)


# --------------------------------------------------------------------------- bf16 honesty


@pytest.mark.parametrize(
    ("flags", "native"),
    [
        ("fpu sse2 avx2 fma", False),  # AVX2 only (the CPU bf16 was measured 10x slower on)
        ("fpu avx2 avx512f avx512_bf16", True),  # AVX512-BF16
        ("fpu avx2 avx512f amx_tile amx_bf16", True),  # AMX (Sapphire Rapids)
    ],
)
def test_cpu_flags_name_the_native_bf16_units(tmp_path, flags, native):
    info = tmp_path / "cpuinfo"
    info.write_text(f"processor\t: 0\nflags\t\t: {flags}\n\nprocessor\t: 1\nflags\t\t: {flags}\n")
    assert runtime.cpu_flags(info) == frozenset(flags.split())
    assert bool(runtime.cpu_flags(info) & runtime.BF16_FLAGS) is native
    assert runtime.cpu_flags(tmp_path / "missing") == frozenset()
    assert isinstance(runtime.native_bf16(), bool)


def _autocast_warnings(monkeypatch, native: bool, precision: str = "bf16", calls: int = 2):
    from prunedd_utils.neural import train

    monkeypatch.setattr(runtime, "native_bf16", lambda: native)
    monkeypatch.setattr(train, "_warned_bf16", False)  # as in a fresh process
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # so a second warning would be seen, not filtered
        for _ in range(calls):
            with train.autocast(torch.device("cpu"), precision):
                torch.ones(2, 2) @ torch.ones(2, 2)
    return [w for w in caught if "bf16" in str(w.message)]


def test_bf16_on_a_cpu_without_native_bf16_warns_once_per_process(monkeypatch):
    caught = _autocast_warnings(monkeypatch, native=False, calls=3)
    assert len(caught) == 1 and caught[0].category is UserWarning
    message = str(caught[0].message)
    assert runtime.cpu_capability() in message and "0.10x" in message and "AVX2" in message


def test_bf16_with_native_units_or_fp32_does_not_warn(monkeypatch):
    assert _autocast_warnings(monkeypatch, native=True) == []
    assert _autocast_warnings(monkeypatch, native=False, precision="fp32") == []
