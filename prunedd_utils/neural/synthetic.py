"""Small learnable stand-ins for the real data sets, written in the ``<name>.npz`` format.

Tests and benchmarks point ``PRUNEDD_DATA_ROOT`` at a folder of these, so the real code
paths run in seconds without the real data: class c brightens a band of rows chosen by c.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _write(root: Path, name: str, n_train: int, n_test: int, seed: int, make) -> Path:
    rng = np.random.default_rng(seed)
    (xtr, ytr), (xte, yte) = make(rng, n_train), make(rng, n_test)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    np.savez(root / f"{name}.npz", x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
    return root


def write_fake_fashion_mnist(root: Path, n_train: int = 600, n_test: int = 200) -> Path:
    """A Fashion-MNIST-shaped stand-in: class c lights up a 4-pixel-wide horizontal band c."""

    def make(rng, n):
        y = rng.integers(0, 10, n)
        x = rng.integers(0, 120, (n, 28, 28))
        for c in range(10):
            x[y == c, 2 + 2 * c : 6 + 2 * c, :] += 120
        return x.astype(np.uint8), y.astype(np.uint8)

    return _write(root, "fashion_mnist", n_train, n_test, 0, make)


def write_fake_cifar10(root: Path, n_train: int = 300, n_test: int = 300) -> Path:
    """A CIFAR-10-shaped stand-in: class c brightens colour channel c % 3 in band c."""

    def make(rng, n):
        y = rng.integers(0, 10, n)
        x = rng.integers(0, 120, (n, 32, 32, 3))
        for c in range(10):
            x[y == c, 3 * c : 3 * c + 3, :, c % 3] += 120
        return x.astype(np.uint8), y.astype(np.uint8)

    return _write(root, "cifar10", n_train, n_test, 1, make)


def write_fake_cifar100(root: Path, n_train: int = 300, n_test: int = 100) -> Path:
    """A CIFAR-100-shaped stand-in (100 classes): class c brightens colour channel c % 3 in
    the 3-row band c % 10, by an amount that grows with c // 10."""

    def make(rng, n):
        y = rng.integers(0, 100, n)
        x = rng.integers(0, 100, (n, 32, 32, 3))
        for c in range(100):
            band = 3 * (c % 10)
            x[y == c, band : band + 3, :, c % 3] += 60 + 15 * (c // 10)
        return x.astype(np.uint8), y.astype(np.uint8)

    return _write(root, "cifar100", n_train, n_test, 2, make)
