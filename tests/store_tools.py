"""Helpers for the run-store tests: a small synthetic Fashion-MNIST-shaped data set."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch


def write_fake_fashion_mnist(root: Path, n_train: int = 600, n_test: int = 200) -> Path:
    """A learnable stand-in: class c lights up a 4-pixel-wide horizontal band c, plus noise."""
    rng = np.random.default_rng(0)

    def make(n):
        y = rng.integers(0, 10, n)
        x = rng.integers(0, 120, (n, 28, 28))
        for c in range(10):
            x[y == c, 2 + 2 * c : 6 + 2 * c, :] += 120
        return x.astype(np.uint8), y.astype(np.uint8)

    (xtr, ytr), (xte, yte) = make(n_train), make(n_test)
    root.mkdir(parents=True, exist_ok=True)
    np.savez(root / "fashion_mnist.npz", x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
    return root


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


def write_fake_cifar10(root: Path, n_train: int = 300, n_test: int = 300) -> Path:
    """A learnable CIFAR-10-shaped stand-in: class c brightens colour channel c % 3 in band c."""
    rng = np.random.default_rng(1)

    def make(n):
        y = rng.integers(0, 10, n)
        x = rng.integers(0, 120, (n, 32, 32, 3))
        for c in range(10):
            x[y == c, 3 * c : 3 * c + 3, :, c % 3] += 120
        return x.astype(np.uint8), y.astype(np.uint8)

    (xtr, ytr), (xte, yte) = make(n_train), make(n_test)
    root.mkdir(parents=True, exist_ok=True)
    np.savez(root / "cifar10.npz", x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
    return root
