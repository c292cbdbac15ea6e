"""Helpers for the run-store tests: a small synthetic Fashion-MNIST-shaped data set."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

from prunedd_utils.neural.synthetic import write_fake_cifar10, write_fake_fashion_mnist

__all__ = ["temporary_store", "write_fake_cifar10", "write_fake_fashion_mnist"]


@contextmanager
def temporary_store(tmp_path: Path, monkeypatch, n_train: int = 600,
                    n_test: int = 200) -> Iterator[Path]:
    """Results, cache and (synthetic) data in a temporary folder; one torch thread."""
    root = write_fake_fashion_mnist(tmp_path / "data", n_train=n_train, n_test=n_test)
    monkeypatch.setenv("PRUNEDD_DATA_ROOT", str(root))
    monkeypatch.setenv("PRUNEDD_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("PRUNEDD_CACHE", str(tmp_path / "cache"))
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield tmp_path
    finally:
        torch.set_num_threads(before)
