"""Batched min-norm least squares."""

from __future__ import annotations

import numpy as np


def min_norm(X, y) -> np.ndarray:
    """Min-norm least-squares solution ``pinv(X) y`` for a batch of problems.

    ``X`` has shape (..., n, p) and ``y`` (..., n). For p > n it solves the n-by-n Gram system
    ``X X^T c = y`` and returns ``X^T c`` (the interpolator of smallest norm); for p <= n the
    p-by-p normal equations ``X^T X theta = X^T y``. Both are one batched LAPACK call, much
    cheaper than an SVD per problem. Gaussian designs are full rank with probability one.
    """
    # A contiguous copy keeps numpy's batched matmul on its BLAS path: on strided views
    # (e.g. the first p columns of a wider design) it falls back to a loop ~20x slower.
    X = np.ascontiguousarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim < 2:
        raise ValueError(f"X.ndim must be in [2, inf), got {X.ndim}")
    if y.shape != X.shape[:-1]:
        raise ValueError(f"y.shape must be X.shape[:-1] = {X.shape[:-1]}, got {y.shape}")
    n, p = X.shape[-2:]
    Xt = np.swapaxes(X, -1, -2)
    if p > n:
        coef = np.linalg.solve(_gram(X), y[..., None])
        return (Xt @ coef)[..., 0]
    return np.linalg.solve(_gram(Xt), (Xt @ y[..., None]))[..., 0]


def _gram(A: np.ndarray) -> np.ndarray:
    """``A @ A^T`` for each matrix of a batch.

    A loop over the batch lets numpy hand each product to BLAS as a symmetric rank-k update
    (``syrk``), about twice as fast as the general batched matmul, which for large stacked
    operands does not always reach BLAS.
    """
    out = np.empty(A.shape[:-1] + A.shape[-2:-1])
    for idx in np.ndindex(A.shape[:-2]):
        a = A[idx]
        out[idx] = a @ a.T
    return out
