"""The signal-noise patch model, and what random pruning at initialization does to it.

Three sources, kept apart (chapter 08 states them in full):

* **Cao et al. (2022)**, "Benign overfitting in two-layer convolutional neural networks":
  the data model (:func:`sample`: a signal patch ``y mu`` and a Gaussian noise patch ``xi``
  orthogonal to ``mu``), the signal-to-noise ratio :func:`snr` and the form of their
  benign/harmful condition, ``n ||mu||^q`` against ``(sigma_p sqrt(d))^q``
  (:func:`cao_statistic`; its constants and logarithmic factors are not reproduced here).
* **Yang et al. (2023)**, "Theoretical characterization of how neural network pruning
  affects its generalization": only the two claims of its abstract (below a threshold
  fraction p, random pruning at initialization trains to zero loss and generalizes, with a
  bound that improves with p; at a large enough p the network still fits the training data,
  by memorizing noise, but tests no better than chance). Its data model, thresholds and
  constants were not available to us; nothing in this module is taken from its body.
* **Derived here** (heuristics, not theorems): the race between signal learning and noise
  memorization of Cao et al., redone for filters that see the input through a fixed random
  mask. A gradient step on a masked filter ``w * M`` moves it along ``M * mu`` and
  ``M * xi_i`` only, so each filter behaves as if its signal were ``M * mu`` and its noise
  ``M * xi``. With a random mask keeping a fraction ``1 - p`` of the coordinates,
  ``||M * xi||^2 ~ (1 - p) sigma_p^2 d`` always (:func:`masked_noise_norm2`), while
  ``||M * mu||`` depends on the signal's shape: all of ``||mu||`` for a filter that keeps a
  sparse ``mu``'s support, a fraction ``(1 - p)`` of ``||mu||^2`` for a dense ``mu``. Hence
  the effective SNR (:func:`effective_snr`) grows like ``1 / sqrt(1 - p)`` for a sparse
  signal and not at all for a dense one, and the boundary of benign overfitting moves to
  ``SNR*(p) = SNR*(0) sqrt(1 - p)`` (:func:`predicted_boundary`; the race itself:
  :func:`blowup_time`, :func:`race_ratio`). Only *signal filters* (keeping the support,
  with the right initial sign) can learn a sparse signal; once none is left (probability
  :func:`no_signal_probability`, of order one when their expected number
  :func:`signal_filter_count` is), the data can only be fitted by memorizing noise, which
  leaves a test-error floor (:func:`predicted_error_floor`); fewer signal filters also
  start the race later (:func:`start_factor`, :func:`refined_boundary`). What the
  first-order argument
  leaves out for a dense signal: ``M * xi`` is no longer orthogonal to ``mu``, so memorizing
  noise also moves a filter's correlation with the signal (:func:`masked_overlap2`,
  :func:`leakage_ratio`).

numpy only (no torch): the network and its training live in
:mod:`prunedd_utils.neural.patch_cnn`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import checks

KINDS = ("sparse", "dense")
"""Shapes of the signal vector: ``sparse`` (support of a few coordinates) or ``dense``."""


def _fraction(name: str, value) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr >= 1):
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return arr


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return kind


def signal_vector(d: int, norm: float, kind: str = "sparse", support: int = 1) -> np.ndarray:
    """The signal ``mu`` in R^d with ``||mu|| = norm``.

    ``sparse``: the first ``support`` coordinates equal ``norm / sqrt(support)``, the rest 0
    (which coordinates does not matter: masks are drawn independently of them).
    ``dense``: every coordinate equals ``norm / sqrt(d)``. (Our choice of shapes; Cao et al.
    allow any ``mu``.)
    """
    d = checks.integer("d", d, 2)
    norm = checks.nonnegative("norm", norm)
    if _kind(kind) == "dense":
        return np.full(d, norm / np.sqrt(d))
    support = checks.integer("support", support, 1, d)
    mu = np.zeros(d)
    mu[:support] = norm / np.sqrt(support)
    return mu


@dataclass(frozen=True)
class PatchData:
    """Samples of the patch model: labels ``y`` (..., n) in {-1, +1}, noise patches ``xi``
    (..., n, d), and the signal ``mu`` (..., d) shared by every sample of a batch element."""

    y: np.ndarray
    xi: np.ndarray
    mu: np.ndarray
    sigma_p: float

    @property
    def x(self) -> np.ndarray:
        """The inputs as two patches, (..., n, 2, d): ``x[..., 0, :] = y mu``, ``x[..., 1, :] =
        xi``. (Cao et al. put the signal in either patch; the CNN below sums over patches, so
        their order does not matter.)"""
        signal = self.y[..., None] * self.mu[..., None, :]
        return np.stack([signal, self.xi], axis=-2)


def sample(n: int, mu, sigma_p: float, rng: np.random.Generator,
           batch: tuple[int, ...] = ()) -> PatchData:
    """Draw ``n`` samples of Cao et al.'s model for each batch element.

    ``y`` is uniform on {-1, +1}; the signal patch is ``y mu``; the noise patch is
    ``xi ~ N(0, sigma_p^2 (I - mu mu^T / ||mu||^2))``, drawn as ``sigma_p`` times a standard
    Gaussian vector with its component along ``mu`` removed. ``mu`` has shape (d,) or
    (*batch, d) (one signal per batch element, e.g. per signal strength). Everything comes
    from ``rng``, in a fixed order (labels, then noise), so a seed fixes the sample.
    """
    n = checks.integer("n", n, 1)
    sigma_p = checks.nonnegative("sigma_p", sigma_p)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    mu = np.asarray(mu, dtype=float)
    batch = tuple(int(b) for b in batch)
    if mu.ndim == 0 or mu.shape[-1] < 2 or mu.shape[:-1] not in ((), batch):
        raise ValueError(f"mu must have shape (d,) or {(*batch, 'd')} with d >= 2, got "
                         f"{mu.shape}")
    norms = np.linalg.norm(mu, axis=-1)
    if not np.all(np.isfinite(mu)) or np.any(norms == 0):
        raise ValueError("mu must be finite and non-zero")
    d = mu.shape[-1]
    mu = np.broadcast_to(mu, (*batch, d))
    u = mu / np.linalg.norm(mu, axis=-1, keepdims=True)
    y = np.where(rng.random((*batch, n)) < 0.5, -1.0, 1.0)
    g = rng.standard_normal((*batch, n, d))
    g -= np.einsum("...nd,...d->...n", g, u)[..., None] * u[..., None, :]
    return PatchData(y=y, xi=sigma_p * g, mu=np.array(mu), sigma_p=sigma_p)


def snr(mu_norm, sigma_p: float, d: int):
    """Cao et al.'s signal-to-noise ratio ``||mu|| / (sigma_p sqrt(d))``."""
    return np.asarray(mu_norm, dtype=float) / (sigma_p * np.sqrt(d))


def cao_statistic(n: int, snr_value, q: float):
    """``n SNR^q``, the quantity of Cao et al.'s condition (``n ||mu||^q`` against
    ``(sigma_p sqrt(d))^q``): benign overfitting when it exceeds a constant, harmful when it
    is below another. The constants (and log factors) are theirs and are not reproduced."""
    return n * np.asarray(snr_value, dtype=float) ** q


def masked_noise_norm2(p, d: int, sigma_p: float):
    """Derived: ``E ||M * xi||^2 = (1 - p) (d - 1) sigma_p^2`` for a mask keeping each
    coordinate with probability ``1 - p``, whatever ``mu`` (the projection removes exactly
    one dimension: ``sum_k (1 - mu_k^2 / ||mu||^2) = d - 1``)."""
    p = _fraction("p", p)
    return (1 - p) * (d - 1) * sigma_p**2


def kept_signal_fraction(p, kind: str = "sparse", support: int = 1):
    """Derived: ``||M * mu||^2 / ||mu||^2`` for a filter whose mask keeps ``mu``'s support
    (sparse: 1, all of it), or its typical value for a dense ``mu`` (``1 - p``; its relative
    spread is ``sqrt(p / ((1 - p) d))``)."""
    p = _fraction("p", p)
    return np.ones_like(p) if _kind(kind) == "sparse" else 1 - p


def effective_snr(snr_value, p, kind: str = "sparse"):
    """Derived: the SNR a pruned filter sees, ``||M * mu|| / sqrt((1 - p) sigma_p^2 d)``.

    Sparse ``mu``, for a filter that keeps its support: ``SNR / sqrt(1 - p)`` (the whole
    signal, a fraction of the noise). Dense ``mu``: ``SNR`` (both shrink alike). The race
    argument of Cao et al. applied per filter then puts the boundary of benign overfitting
    at ``n SNR_eff^q`` equal to their constant.
    """
    p = _fraction("p", p)
    s = np.asarray(snr_value, dtype=float)
    return s * np.sqrt(kept_signal_fraction(p, kind) / (1 - p))


def predicted_boundary(p, snr0: float, kind: str = "sparse"):
    """Derived: the SNR at which overfitting turns from harmful to benign at pruning
    fraction ``p``, given the dense network's boundary ``snr0`` (measured: the constant of
    Cao et al.'s condition is not known). ``snr0 sqrt(1 - p)`` for a sparse signal (from
    ``effective_snr(SNR*, p) = snr0``), ``snr0`` for a dense one. Independent of ``q``,
    ``n``, the step size and the initialization scale, which only set the common clock of
    the race (see :func:`blowup_time`). It holds only while some filter keeps the signal;
    see :func:`no_signal_probability`."""
    p = _fraction("p", p)
    return snr0 * np.sqrt(1 - p) if _kind(kind) == "sparse" else np.full_like(p, snr0)


def expected_max_half_normal(k: int) -> float:
    """``E max(|g_1|, ..., |g_k|)`` for independent standard normals, by quadrature of
    ``int_0^inf (1 - erf(x / sqrt 2)^k) dx`` (``sqrt(2 / pi)`` for k = 1, ``2 / sqrt(pi)``
    for k = 2)."""
    import math

    k = checks.integer("k", k, 1)
    x = np.linspace(0.0, 12.0, 24001)
    erf = np.array([math.erf(v / math.sqrt(2.0)) for v in x])
    return float(np.trapezoid(1.0 - erf**k, x))


def start_factor(p, m: int, q: float, support: int = 1):
    """Derived: how much later the signal's race starts at fraction ``p`` than at 0, as a
    factor on the boundary SNR: ``(g(0) / g(p))^((q - 2) / q)``.

    The race of :func:`blowup_time` is won by the filter with the largest initial
    correlation ``x0``, and its time scales like ``x0^(2-q)``. For a sparse signal the
    candidates are the signal filters (:func:`signal_filter_count`): ``K ~ Binomial(2m,
    (1 - p)^support / 2)`` of them, each starting at ``sigma_0 ||mu|| |g|`` with ``g``
    standard normal, so the largest start is ``g(p) = E[max of K half-normals | K >= 1]``
    times ``sigma_0 ||mu||``, which falls as pruning leaves fewer of them. The noise side is
    unchanged (every filter keeps its noise). With the race condition ``n SNR^q (g_signal /
    g_noise)^(q - 2)`` above a constant, the boundary moves up by this factor (1 for a
    dense signal, whose filters all keep some of it).
    """
    import math

    m = checks.integer("m", m, 1)
    if q <= 2:
        raise ValueError(f"q must be > 2, got {q!r}")
    maxima = [0.0] + [expected_max_half_normal(k) for k in range(1, 2 * m + 1)]

    def g(pv):
        a = (1 - pv) ** support / 2
        w = np.array([math.comb(2 * m, k) * a**k * (1 - a) ** (2 * m - k)
                      for k in range(2 * m + 1)])
        return float(np.dot(w[1:], maxima[1:]) / w[1:].sum())

    p = _fraction("p", p)
    g0 = g(0.0)
    out = np.array([(g0 / g(float(pv))) ** ((q - 2) / q) for pv in np.ravel(p)])
    return out.reshape(p.shape) if p.ndim else float(out[0])


def refined_boundary(p, snr0: float, m: int, q: float, kind: str = "sparse",
                     support: int = 1):
    """Derived: :func:`predicted_boundary` times :func:`start_factor` for a sparse signal
    (the first-order boundary, corrected for the fewer signal filters that can start the
    race); unchanged for a dense one."""
    first = predicted_boundary(p, snr0, kind)
    return first * start_factor(p, m, q, support) if kind == "sparse" else first


def full_support_probability(p, support: int = 1):
    """Derived: the probability ``(1 - p)^support`` that a filter's mask keeps every
    coordinate of a sparse signal's support."""
    p = _fraction("p", p)
    return (1 - p) ** checks.integer("support", support, 1)


def signal_filter_count(p, m: int, support: int = 1):
    """Derived: the expected number ``m (1 - p)^support`` of *signal filters* among the
    ``2m`` (``m`` per class): filters whose mask keeps the whole support of a sparse signal
    and whose initial correlation ``j <w_0 * M, mu>`` has their class's sign (probability
    1/2). Only those can learn the signal: a filter of class j with the wrong sign is
    silent on its class's signal patch (``max(0, z)^q`` has zero gradient there), and its
    correlation with ``mu`` can only shrink towards 0 in gradient flow, since the noise is
    zero on the support of a 1-sparse ``mu`` (a large discrete step can overshoot 0)."""
    m = checks.integer("m", m, 1)
    return m * full_support_probability(p, support)


def no_signal_probability(p, m: int, support: int = 1):
    """Derived: the probability ``(1 - (1 - p)^support / 2)^(2m)`` that none of the ``2m``
    filters is a signal filter (:func:`signal_filter_count`). It is of order one once the
    expected count ``m (1 - p)^support`` is."""
    m = checks.integer("m", m, 1)
    return (1 - full_support_probability(p, support) / 2) ** (2 * m)


def predicted_error_floor(p, m: int, support: int = 1):
    """Derived (heuristic): the test error that pruning leaves when the signal is otherwise
    strong enough, ``0.5 * no_signal_probability(p, m)``.

    With no signal filter, both classes are fitted by memorizing noise and a fresh test
    point gets an output that does not depend on its label: chance, 0.5. One signal filter
    is enough otherwise: if it belongs to class j, the class-j points are recognized by it, and the
    other class, fitted by the other bank's memorized noise, gets from that bank a larger
    response to any fresh noise patch, so it is classified correctly by default (a
    one-sided detector; it needs the fresh-noise response of memorized weights, of relative
    size ``sqrt(n / ((1 - p) d))``, to be small). Exact for a support of 1 in that limit;
    for larger supports filters keeping part of it carry some signal, and this is an upper
    bound.
    """
    return 0.5 * no_signal_probability(p, m, support)


def masked_overlap2(p, mu, sigma_p: float) -> float:
    """Derived: ``E <M * xi, mu>^2 = sigma_p^2 p (1 - p) (||mu||^2 - sum_k mu_k^4 / ||mu||^2)``
    over the noise and a mask keeping each coordinate with probability ``1 - p``.

    (For a fixed mask the variance is ``sigma_p^2 (||M mu||^2 - <M mu, u>^2)``; average over
    the mask.) ``sigma_p^2 ||mu||^2 p (1 - p) (1 - 1/d)`` for a dense ``mu``, exactly 0 for
    a 1-sparse one: pruning makes the noise overlap a dense signal, never a 1-sparse one.
    """
    p = float(_fraction("p", p))
    mu = np.asarray(mu, dtype=float)
    norm2 = float(mu @ mu)
    return sigma_p**2 * p * (1 - p) * (norm2 - float(np.sum(mu**4)) / norm2)


def leakage_ratio(p, d: int, init_scale: float):
    """Derived (a heuristic indicator, not a threshold): ``sqrt(p / ((1 - p) d)) / init_scale``.

    For a dense ``mu`` and a mask keeping a fraction ``1 - p``, ``<M * xi, mu>`` is no
    longer 0: its variance is about ``sigma_p^2 ||mu||^2 p (1 - p)``
    (:func:`masked_overlap2`). Memorizing one training noise vector to a correlation of 1
    then moves a filter's correlation with ``mu`` by about ``SNR sqrt(p / ((1 - p) d))``, in
    a random direction, while the filter starts at a correlation of about
    ``init_scale * SNR`` (with the initialization of ``neural.patch_cnn.init_std``). Their
    ratio is this number: when it is not small, noise memorization kicks the signal
    correlations, whose largest then grows sooner, an effect of pruning that the
    first-order argument (:func:`effective_snr`) leaves out. Zero for a
    1-sparse ``mu``, where the noise vanishes on the support.
    """
    p = _fraction("p", p)
    return np.sqrt(p / ((1 - p) * d)) / init_scale


def blowup_time(rate, x0, q: float):
    """Time for ``dx/dt = rate * x^(q-1)`` to blow up from ``x0 > 0``: ``x0^(2-q) / (rate (q-2))``.

    The heuristic behind Cao et al.'s condition (and our derivation): with the activation
    ``max(0, z)^q``, a filter's inner product with the signal grows like this with rate
    ``~ eta ||mu||^2`` from ``x0 ~ sigma_0 ||mu||``; its inner product with one training
    noise vector with rate ``~ eta sigma_p^2 d / n`` from ``x0 ~ sigma_0 sigma_p sqrt(d)``.
    Whichever blows up first fits the data. Their ratio is ``n SNR^q`` (times constants),
    and ``eta`` and ``sigma_0`` cancel from it.
    """
    rate = np.asarray(rate, dtype=float)
    x0 = np.asarray(x0, dtype=float)
    if q <= 2:
        raise ValueError(f"q must be > 2 (finite-time blow-up), got {q!r}")
    if np.any(rate <= 0) or np.any(x0 <= 0):
        raise ValueError("rate and x0 must be > 0")
    return x0 ** (2 - q) / (rate * (q - 2))


def race_ratio(n: int, snr_value, p, q: float, kind: str = "sparse"):
    """Derived: blow-up time of noise memorization over that of signal learning,
    ``(n / 2) SNR_eff^q`` (the 1/2: a filter learns the signal from the half of the samples
    of its class, while each noise vector has one sample). Above 1, the signal wins the
    race (up to the constants set by the largest initial inner products)."""
    return 0.5 * n * effective_snr(snr_value, p, kind) ** q


def crossing(x, err, level: float) -> float:
    """The ``x`` at which a decreasing curve ``err(x)`` first falls below ``level``, by
    linear interpolation in ``log x``; NaN if it never does, ``x[0]`` if it starts below."""
    x = np.asarray(x, dtype=float)
    err = np.asarray(err, dtype=float)
    if x.ndim != 1 or x.shape != err.shape or np.any(x <= 0) or np.any(np.diff(x) <= 0):
        raise ValueError("x must be increasing and positive, err of the same length")
    below = np.flatnonzero(err < level)
    if below.size == 0:
        return float("nan")
    i = int(below[0])
    if i == 0:
        return float(x[0])
    lx = np.log(x[i - 1 : i + 1])
    t = (err[i - 1] - level) / (err[i - 1] - err[i])
    return float(np.exp(lx[0] + t * (lx[1] - lx[0])))
