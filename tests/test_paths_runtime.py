"""The data-root, results and cache settings, device selection and global seeding."""

from __future__ import annotations

import random
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
