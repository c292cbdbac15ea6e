"""Cao et al.'s two-layer CNN on the patch model, randomly pruned at initialization.

The network (Cao et al., 2022) has ``m`` filters ``w_{j,r}`` in R^d for each class
``j = +1, -1`` and a fixed second layer:

    f(x) = F_{+1}(x) - F_{-1}(x),   F_j(x) = (1/m) sum_r [ s(<w_{j,r}, y mu>) + s(<w_{j,r}, xi>) ],

with ``s(z) = max(0, z)^q``, trained by full-batch gradient descent on the logistic loss
``(1/n) sum_i log(1 + exp(-y_i f(x_i)))``. Pruning at initialization (as in Yang et al.,
2023) multiplies each filter by a fixed Bernoulli mask ``M_{j,r}`` that keeps each
coordinate with probability ``1 - p``. The weights are stored already masked (``w * M``
at the start) and each step subtracts ``eta * M * gradient``, so a pruned coordinate is
exactly zero at every step (the tests check it). The gradient is written out by hand
(checked against autograd in the tests): the signal is appended to the noise patches as
one more row, so a step costs two batched matrix products and one fused update.

Everything is vectorized over seeds: weights have shape ``(S, C, 2, m, d)`` for ``S`` seeds
(each with its own training data, mask draws and initialization) and ``C`` configurations
(pruning fraction, signal strength, step size) that share them, so a sweep over ``p``
reuses one draw of the data per seed (common random numbers). Configurations are trained
one after another, each as one batch of ``S`` seeds, whose weights fit in the CPU's cache.

Test error and loss are computed on the exact test distribution: for a fresh sample, the
filters' inner products with its noise patch are jointly Gaussian with covariance
``sigma_p^2 W (I - u u^T) W^T`` (``u = mu / ||mu||``), so ``n_test`` draws of that
``2m``-dimensional Gaussian (fixed per seed) replace ``n_test`` draws of a d-dimensional
patch; each draw is evaluated with both labels.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.nn import functional as F

TRACE_KEYS = ("train_loss", "train_err", "test_loss", "test_err", "signal", "noise",
              "signal_margin", "noise_margin")
"""Quantities recorded at each trace step, each an array (T, S, C):

``train_loss``, ``train_err`` (fraction with ``y f(x) <= 0``), ``test_loss``, ``test_err``;
``signal``: the learned signal coefficient ``max_r j <w_{j,r} * M, mu>``, averaged over the
two classes j; ``noise``: the learned noise coefficient ``max_r <w_{y_i,r} * M, xi_i>`` (over
the filters of the sample's own class), averaged over the training samples;
``signal_margin`` and ``noise_margin``: the parts of the mean training margin
``y_i f(x_i)`` that come from the signal patch and from the noise patch.
"""

SIGNS = (1.0, -1.0)
"""The sign j of the two filter banks, in the order of the weights' third axis."""


def step_size(lr: float, n: int, m: int, d: int, sigma_p: float, p=0.0):
    """The GD step ``eta = lr * n * m / (sigma_p^2 d (1 - p))`` (our convention).

    ``n m / (sigma_p^2 d)`` makes one unit of ``lr`` move a filter's inner product with a
    training noise vector at a rate of order one, whatever ``n``, ``m`` and ``d``; the
    factor ``1 / (1 - p)`` keeps that rate for pruned filters (their noise has squared norm
    ``(1 - p) sigma_p^2 d``), so every ``p`` trains on the same clock. Constant factors of
    the step cancel from the signal-noise race (``theory.patch_model.blowup_time``).
    """
    return lr * n * m / (sigma_p**2 * d * (1 - np.asarray(p, dtype=float)))


def init_std(init_scale: float, d: int, sigma_p: float, p=0.0):
    """Initialization std ``sigma_0 = init_scale / (sigma_p sqrt(d (1 - p)))`` (our
    convention): a masked filter's inner product with a noise patch starts at about
    ``init_scale`` for every ``p`` (the usual fan-in rescaling of sparse networks)."""
    return init_scale / (sigma_p * np.sqrt(d * (1 - np.asarray(p, dtype=float))))


def masks(uniform: torch.Tensor, p) -> torch.Tensor:
    """Keep masks from uniform numbers: ``uniform >= p`` keeps each coordinate with
    probability ``1 - p``. ``uniform`` (S, 2, m, d), ``p`` (C,) -> bool (S, C, 2, m, d).
    The same ``uniform`` for several ``p`` gives nested masks (common random numbers)."""
    p = np.asarray(p, dtype=float)
    if p.ndim != 1 or not np.all((p >= 0) & (p < 1)):
        raise ValueError(f"p must be a 1-d array of fractions in [0, 1), got {p.tolist()}")
    pt = torch.as_tensor(p, dtype=uniform.dtype)
    return uniform[:, None] >= pt[None, :, None, None, None]


def activation(z: torch.Tensor, q: float) -> torch.Tensor:
    """``max(0, z)^q``."""
    return torch.relu(z) ** q


def activation_grad(z: torch.Tensor, q: float) -> torch.Tensor:
    """``q max(0, z)^(q-1)``."""
    return q * torch.relu(z) ** (q - 1)


def inputs(xi: torch.Tensor, mu: torch.Tensor) -> torch.Tensor:
    """The noise patches with the signal appended as a last row: (S, n + 1, d)."""
    return torch.cat([xi, mu.expand(xi.shape[0], 1, -1).to(xi.dtype)], dim=1)


def forward(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, q: float):
    """One configuration on its training set: ``W`` (S, 2, m, d), ``X = inputs(xi, mu)``,
    ``y`` (S, n). Returns the outputs ``f`` (S, n), the signal patch's share of them, the
    inner products ``A = <w, xi_i>`` (S, 2, m, n) and ``S_ = <w, mu>`` (S, 2, m)."""
    s_, _, m, d = W.shape
    P = torch.bmm(W.reshape(s_, 2 * m, d), X.transpose(1, 2)).view(s_, 2, m, -1)
    A, S_ = P[..., :-1], P[..., -1]
    j = W.new_tensor(SIGNS).view(1, 2, 1, 1)
    yy = y[:, None, None, :]
    signal_part = (j * activation(yy * S_[..., None], q)).sum(dim=(1, 2)) / m
    f = signal_part + (j * activation(A, q)).sum(dim=(1, 2)) / m
    return f, signal_part, A, S_


def loss_and_grad(W: torch.Tensor, X: torch.Tensor, y: torch.Tensor, q: float):
    """Training loss (S,) and its gradient (S, 2, m, d) with respect to the weights, with
    the outputs of :func:`forward`."""
    s_, _, m, d = W.shape
    n = y.shape[-1]
    f, signal_part, A, S_ = forward(W, X, y, q)
    margin = y * f
    loss = F.softplus(-margin).mean(dim=-1)
    g = -torch.sigmoid(-margin) * y / n  # dL/df_i, (S, n)
    gj = g[:, None, None, :] * W.new_tensor(SIGNS).view(1, 2, 1, 1) / m  # (S, 2, m, n)
    yy = y[:, None, None, :]
    gA = gj * activation_grad(A, q)
    gS = (gj * activation_grad(yy * S_[..., None], q) * yy).sum(dim=-1, keepdim=True)
    G = torch.cat([gA, gS], dim=-1).view(s_, 2 * m, n + 1)
    grad = torch.bmm(G, X).view(s_, 2, m, d)
    return loss, grad, (f, signal_part, A, S_)


def test_draws(generator: torch.Generator, seeds: int, n_test: int, m: int,
               dtype=torch.float32) -> torch.Tensor:
    """Standard normal draws (S, n_test, 2m) for :func:`test_metrics`."""
    return torch.randn(seeds, n_test, 2 * m, generator=generator, dtype=torch.float64).to(dtype)


def test_metrics(W: torch.Tensor, mu: torch.Tensor, sigma_p: float, z: torch.Tensor,
                 q: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Test loss and test error (S,) of one configuration under the exact test law.

    The noise inner products of a fresh sample are ``L z`` with ``L L^T = sigma_p^2 W (I - u
    u^T) W^T``; ``z`` (S, n_test, 2m) are standard normal draws. Each draw is evaluated
    with both labels (signal patch ``+mu`` and ``-mu``), which halves the variance.
    """
    s_, _, m, d = W.shape
    Wf = W.reshape(s_, 2 * m, d).double()
    mu = mu.double()
    Wu = Wf @ (mu / mu.norm())
    cov = sigma_p**2 * (Wf @ Wf.transpose(1, 2) - Wu[:, :, None] * Wu[:, None, :])
    lam, Q = torch.linalg.eigh(cov)
    L = (Q * lam.clamp(min=0).sqrt()[:, None, :]).to(W.dtype)  # (S, 2m, 2m)
    g = z @ L.transpose(1, 2)  # (S, n_test, 2m) noise inner products
    j = W.new_tensor(SIGNS).repeat_interleave(m)
    noise = (activation(g, q) * j).sum(-1) / m  # (S, n_test)
    S_ = (Wf @ mu).to(W.dtype)  # (S, 2m)
    loss = W.new_zeros(s_)
    err = W.new_zeros(s_)
    for y in SIGNS:
        signal = (activation(y * S_, q) * j).sum(-1) / m  # (S,)
        margin = y * (signal[:, None] + noise)
        loss += 0.5 * F.softplus(-margin).mean(-1)
        err += 0.5 * (margin <= 0).to(W.dtype).mean(-1)
    return loss, err


def trace_steps(steps: int, points: int) -> list[int]:
    """Steps at which traces are recorded: 0, ``steps`` and about ``points`` in between,
    evenly spaced in log(1 + step); only the last step when ``points`` is 0."""
    if points <= 0:
        return [steps]
    grid = np.round(np.expm1(np.linspace(0, math.log1p(steps), points))).astype(int)
    return sorted(set(grid.tolist()) | {0, steps})


def train(W0: torch.Tensor, mask: torch.Tensor, mu: torch.Tensor, y: torch.Tensor,
          xi: torch.Tensor, lr, *, q: float, steps: int, sigma_p: float,
          z_test: torch.Tensor, trace_points: int = 0) -> dict:
    """Full-batch GD from ``W0 * mask`` for ``steps`` steps, for every seed and configuration.

    Shapes: ``W0`` and ``mask`` (S, C, 2, m, d); ``mu`` (C, d), every ``mu`` parallel to the
    direction the noise ``xi`` (S, n, d) is orthogonal to; ``y`` (S, n); ``lr`` the step
    size, a number or (C,); ``z_test`` (S, n_test, 2m) from :func:`test_draws`.

    Returns a dict: ``steps`` (the recorded steps, :func:`trace_steps`), each of
    :data:`TRACE_KEYS` as a numpy array (T, S, C), ``W`` the final weights (S, C, 2, m, d)
    and ``diverged`` (S, C) (the loss stopped being finite; that element stops updating).
    """
    if mask.dtype != torch.bool or mask.shape != W0.shape or W0.ndim != 5:
        raise ValueError(f"W0 must be (S, C, 2, m, d) and mask a bool tensor of its shape, "
                         f"got {tuple(W0.shape)} and {mask.dtype} {tuple(mask.shape)}")
    s_, c_, two, m, d = W0.shape
    if two != 2 or mu.shape != (c_, d) or xi.shape[::2] != (s_, d) or y.shape != xi.shape[:2]:
        raise ValueError(f"shapes do not fit: W0 {tuple(W0.shape)}, mu {tuple(mu.shape)}, "
                         f"y {tuple(y.shape)}, xi {tuple(xi.shape)}")
    eta = np.broadcast_to(np.asarray(lr, dtype=float).reshape(-1), (c_,))
    parts = [_train_one(W0[:, c], mask[:, c], mu[c], y, xi, float(eta[c]), q, steps, sigma_p,
                        z_test, trace_points) for c in range(c_)]
    out = {k: np.stack([part[k] for part in parts], axis=2) for k in TRACE_KEYS}
    out["steps"] = np.array(trace_steps(steps, trace_points))
    out["W"] = torch.stack([part["W"] for part in parts], dim=1)
    out["diverged"] = np.stack([part["diverged"] for part in parts], axis=1)
    return out


def _train_one(W0, mask, mu, y, xi, eta, q, steps, sigma_p, z_test, trace_points) -> dict:
    """GD for one configuration, all seeds at once: W0 and mask (S, 2, m, d), mu (d,)."""
    dtype = W0.dtype
    step_mask = mask.to(dtype) * -eta  # the update is W += step_mask * grad
    W = (W0 * mask).contiguous()
    X = inputs(xi, mu).contiguous()
    record = set(trace_steps(steps, trace_points))
    traces = {k: [] for k in TRACE_KEYS}
    diverged = torch.zeros(W.shape[0], dtype=torch.bool)
    jsign = W.new_tensor(SIGNS).view(1, 2, 1)
    for t in range(steps + 1):
        loss, grad, (f, signal_part, A, S_) = loss_and_grad(W, X, y, q)
        bad = ~torch.isfinite(loss)
        if t in record:
            margin = y * f
            test_loss, test_err = test_metrics(W, mu, sigma_p, z_test, q)
            own = torch.where(y[:, None, :] > 0, A[:, 0], A[:, 1])  # (S, m, n)
            values = {
                "train_loss": loss,
                "train_err": (margin <= 0).to(dtype).mean(-1),
                "test_loss": test_loss,
                "test_err": test_err,
                "signal": (jsign * S_).amax(dim=-1).mean(dim=-1),
                "noise": own.amax(dim=1).mean(dim=-1),
                "signal_margin": (y * signal_part).mean(-1),
                "noise_margin": (y * (f - signal_part)).mean(-1),
            }
            for k in TRACE_KEYS:
                traces[k].append(values[k].detach().cpu().numpy().astype(float))
        if t == steps:
            break
        if bad.any() or diverged.any():
            diverged |= bad
            grad = torch.nan_to_num(grad) * (~diverged).to(dtype).view(-1, 1, 1, 1)
        W.addcmul_(grad, step_mask)
    result = {k: np.stack(v) for k, v in traces.items()}
    result["W"] = W
    result["diverged"] = diverged.numpy()
    return result
