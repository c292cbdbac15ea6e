"""Pruning at the interpolation threshold: the rules of the study, stated once (numpy only).

A dense width sweep gives the model-wise double-descent (DD) curve; networks at widths
before, at and after its interpolation threshold (IT) are pruned iteratively from chosen
checkpoints of their training. The questions asked of the stored runs, and their answers:

* **Which checkpoints** (:func:`pick_checkpoints`): from a dense run's per-epoch history,
  the early-stopping optimum (lowest test error), the first epoch whose training error on
  the (noisy) training labels is below ``tol``, and the final epoch, each restricted to the
  epochs whose weights were saved. Those epochs are only known after training, so a dense
  run must save more than it needs: this book saves on a fixed grid (:func:`save_grid`,
  every epoch up to 10, then about every 20 % of the epoch), which costs a few megabytes
  of cache per run and no second training. :func:`save_epochs_for` gives the alternative:
  the exact epochs a re-run of a finished dense run must save (a re-run has another hash,
  since ``save_epochs`` is part of it, but retraces the same trajectory with the same seed
  and thread count).
* **Where the threshold is** (:func:`threshold_and_peak`): the narrowest width whose final
  training error is below ``tol`` (``double_descent.interpolation_threshold``), the test
  error peak (``double_descent.find_peak``) and its spread over seeds.
* **Which widths to prune** (:func:`widths_around`): the widths of the grid nearest (in log
  width) to given multiples of the threshold.
* **How far to prune** (:func:`imp_counts`, :func:`levels_for_sparsity`): the exact weight
  counts of iterative magnitude pruning (IMP), level by level, as ``neural.prune`` rounds.
* **Does pruning retrace the curve** (:func:`retrace`): a pruned trajectory (test error
  against remaining parameters) against the dense DD curve (test error against parameter
  count), compared at equal parameter count by interpolating the dense curve in log
  parameters; and whether the trajectory has a peak where the dense curve has one.
* **Where sparse networks stop fitting** (:func:`sparse_threshold`) and **how small pruning
  gets without losing accuracy** (:func:`compact_size`), along one trajectory.
* **Epoch-wise double descent** (:func:`epoch_peak`): along one test-error history, the
  peak whose smaller of its rise (above the lowest error before it) and its fall (to the
  final error) is largest.
* **How far training moved** (:func:`learning_distance`): ``||theta - theta_0||_2``
  between two state dicts.

Training errors below ``tol`` count as zero. ``TOL = 0.005`` (fewer than 20 of 4,000
training signals wrong): the per-epoch training error of a history is measured during the
epoch, while the weights move, and reaches exactly zero later than the error of the
final weights does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .double_descent import DoubleDescent, best_epoch, find_peak, interpolation_threshold

TOL = 0.005
"""Training error below this counts as zero (interpolation)."""


# --------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class Checkpoints:
    """Epochs of one dense run to prune from (all among the epochs whose weights were saved).

    ``optimum``: lowest test error among the saved, evaluated epochs (the earliest of equal
    ones), with that error ``optimum_err``; ``interpolation``: the first saved epoch whose
    training error is below ``tol`` (None if there is none); ``final``: the last epoch.
    ``best`` and ``best_err`` are the optimum over all evaluated epochs, saved or not (to
    see what the save grid costs).
    """

    optimum: int
    optimum_err: float
    interpolation: int | None
    final: int
    best: int
    best_err: float
    tol: float

    def epochs(self) -> dict[str, int]:
        """``{"optimum": e, "interpolation": e, "final": e}``, leaving out a missing one."""
        out = {"optimum": self.optimum, "interpolation": self.interpolation,
               "final": self.final}
        return {k: v for k, v in out.items() if v is not None}


def _history(history: Iterable[Mapping]) -> list[Mapping]:
    rows = list(history)
    if not rows or any("epoch" not in h for h in rows):
        raise ValueError("history must be a non-empty list of per-epoch entries with 'epoch'")
    return sorted(rows, key=lambda h: h["epoch"])


def pick_checkpoints(
    history: Iterable[Mapping],
    saved: Iterable[int] | None = None,
    tol: float = TOL,
    test_key: str = "test_err",
    train_key: str = "train_err",
) -> Checkpoints:
    """The early-stopping optimum, the first interpolating epoch and the final epoch.

    ``history`` is a dense run's stored per-epoch list (``metrics["history"]``, each entry
    with ``epoch``, ``train_err`` and, on evaluated epochs, ``test_err``). ``saved`` are the
    epochs whose weights exist (``save_epochs``; the final epoch always counts); None means
    every epoch. The optimum is taken among saved epochs that were evaluated (ValueError if
    there is none); the interpolating epoch is the first saved epoch whose ``train_key``
    is below ``tol`` (strictly), or None.
    """
    rows = _history(history)
    final = int(rows[-1]["epoch"])
    ok = None if saved is None else {int(e) for e in saved} | {final}
    kept = [h for h in rows if ok is None or int(h["epoch"]) in ok]
    best_err, best = best_epoch(rows, test_key)
    try:
        opt_err, opt = best_epoch(kept, test_key)
    except ValueError as err:
        raise ValueError(f"no saved epoch has {test_key!r}: evaluate on saved epochs "
                         "(eval_every dividing them) or save evaluated ones") from err
    interp = next((int(h["epoch"]) for h in kept
                   if h.get(train_key) is not None and h[train_key] < tol), None)
    return Checkpoints(optimum=opt, optimum_err=opt_err, interpolation=interp, final=final,
                       best=best, best_err=best_err, tol=float(tol))


def save_epochs_for(history: Iterable[Mapping], tol: float = TOL) -> tuple[int, ...]:
    """The ``save_epochs`` a re-run of a dense run needs to prune from its checkpoints.

    From the history of a first run (that saved nothing, or not the right epochs): the
    epoch of the lowest test error and the first epoch whose training error is below
    ``tol``, without the final epoch (whose weights are always kept). With the same seed
    and torch thread count the re-run retraces the first run, so these epochs are its
    checkpoints too.
    """
    c = pick_checkpoints(history, None, tol)
    return tuple(sorted({e for e in (c.optimum, c.interpolation) if e is not None} - {c.final}))


def _nice_step(x: float) -> int:
    """The largest of 1, 2, 5, 10, 20, 50, 100, ... not above ``x`` (1 when x < 1)."""
    best, scale = 1, 1
    while scale <= x:
        best = max([best] + [m * scale for m in (1, 2, 5) if m * scale <= x])
        scale *= 10
    return best


def save_grid(epochs: int, every_until: int = 10, fraction: float = 0.2) -> tuple[int, ...]:
    """Epochs to save in a dense run whose checkpoints are chosen after training.

    Every epoch up to ``every_until``; after that, multiples of a round step (1, 2, 5, 10,
    20, 50, ...) of at most ``fraction`` of the epoch reached, so the grid is about
    geometric: an optimum at epoch e is missed by at most ``fraction * e``. The final
    epoch is left out (it is always kept). 40 epochs for 500 epochs at the defaults.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    out = list(range(1, min(every_until, epochs - 1) + 1))
    e = out[-1] if out else 0
    while True:
        step = _nice_step(fraction * max(e, 1))
        e = (e // step + 1) * step
        if e >= epochs:
            return tuple(out)
        out.append(e)


# --------------------------------------------------------------------------- pruning counts


def imp_counts(total: int, fraction: float, levels: int) -> list[int]:
    """Weights kept after each level of IMP removing ``fraction`` of those left per level.

    The rounding of ``neural.prune`` (``int(round((1 - fraction) * left))``, Python's
    round-half-to-even), so the counts are exactly those the pipeline reaches; their
    density is ``(1 - fraction) ** level`` within rounding.
    """
    if isinstance(total, bool) or not isinstance(total, int) or total < 1:
        raise ValueError(f"total must be an integer >= 1, got {total!r}")
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1), got {fraction!r}")
    out, left = [], total
    for _ in range(levels):
        left = int(round((1.0 - fraction) * left))
        out.append(left)
    return out


def levels_for_sparsity(sparsity: float, fraction: float, total: int | None = None) -> int:
    """The fewest IMP levels of ``fraction`` each that reach at least ``sparsity``.

    With ``total`` (the prunable weights) the exact counts decide; without, the density
    ``(1 - fraction) ** L``. 14 levels for 95 % at 20 % per level (density 0.044).
    """
    if not 0.0 < sparsity < 1.0:
        raise ValueError(f"sparsity must be in (0, 1), got {sparsity!r}")
    if total is None:
        return math.ceil(math.log(1.0 - sparsity) / math.log(1.0 - fraction) - 1e-12)
    levels, left = 0, total
    while left > (1.0 - sparsity) * total:
        levels += 1
        left = imp_counts(total, fraction, levels)[-1]
        if left == 0:
            raise ValueError(f"{total} weights cannot be pruned to sparsity {sparsity}")
    return levels


# --------------------------------------------------------------------------- threshold


@dataclass(frozen=True)
class ThresholdPeak:
    """The interpolation threshold and the test-error peak of one width sweep.

    ``threshold``: narrowest width whose (mean over seeds) final training error is below
    ``tol`` (None if none); ``seed_thresholds``: the same per seed. ``peak_width``,
    ``peak_err``: the peak of the mean test-error curve (``find_peak``; None when it has no
    peak), ``holds`` its double-descent verdict; ``peak_spread`` and ``peak_std``: range
    and standard deviation over seeds of the test error at that width; ``seed_peaks``: the
    peak width of each seed's own curve (None where a seed has none). ``dd`` is the whole
    :class:`~prunedd_utils.double_descent.DoubleDescent`.
    """

    threshold: float | int | None
    seed_thresholds: tuple
    peak_width: float | int | None
    peak_err: float | None
    peak_spread: float
    peak_std: float
    seed_peaks: tuple
    holds: bool
    dd: DoubleDescent


def threshold_and_peak(
    widths: Sequence, train_err, test_err, tol: float = TOL, min_change: float = 0.01
) -> ThresholdPeak:
    """The IT rule and the peak of a width sweep; errors of shape (widths,) or (seeds, widths).

    ``train_err`` is the final training error on the labels trained on (noisy ones
    included), ``test_err`` the final test error.
    """
    test = np.asarray(test_err, dtype=float)
    train = np.asarray(train_err, dtype=float)
    if test.ndim == 1:
        test = test[None]
    if train.ndim == 1:
        train = train[None]
    if train.shape != test.shape:
        raise ValueError(f"train_err and test_err must have one shape, got {train.shape} and "
                         f"{test.shape}")
    dd = find_peak(widths, test, train, min_change=min_change, tol=tol)
    seed_thresholds = tuple(interpolation_threshold(widths, row, tol) for row in train)
    seed_peaks = tuple(None if (p := find_peak(widths, row, min_change=min_change).peak)
                       is None else dd.widths[p] for row in test)
    if dd.peak is None:
        width, err, spread, std = None, None, 0.0, 0.0
    else:
        col = test[:, dd.peak]
        width, err = dd.widths[dd.peak], float(dd.err[dd.peak])
        spread, std = float(col.max() - col.min()), float(col.std())
    return ThresholdPeak(threshold=dd.threshold, seed_thresholds=seed_thresholds,
                         peak_width=width, peak_err=err, peak_spread=spread, peak_std=std,
                         seed_peaks=seed_peaks, holds=dd.holds, dd=dd)


def widths_around(widths: Sequence, center: float, ratios: Sequence[float] = (0.5, 1.0, 2.0)
                  ) -> tuple:
    """The widths of the grid nearest in log width to ``center * r`` for each ratio (unique,
    increasing): with ``center`` the threshold, networks before, at and after it."""
    ws = sorted(set(widths))
    if not ws or min(ws) <= 0 or center is None or not center > 0:
        raise ValueError(f"widths must be positive and center > 0, got {widths!r}, {center!r}")
    logs = np.log(np.asarray(ws, dtype=float))
    picked = {ws[int(np.argmin(np.abs(logs - math.log(center * r))))] for r in ratios}
    return tuple(sorted(picked))


# --------------------------------------------------------------------------- retrace


def remaining_parameters(params: int, prunable: int, kept) -> np.ndarray:
    """Parameters left after pruning: the unprunable ones (biases) plus the kept weights."""
    return params - prunable + np.asarray(kept)


def trajectory(metrics: Mapping, stage: str = "final", key: str = "test_err"
               ) -> tuple[np.ndarray, np.ndarray]:
    """``(remaining parameters, key)`` per level of a stored pruned run.

    ``stage`` is ``final`` (after the level's retraining) or ``pruned`` (right after
    pruning, before retraining: the no-retraining control); ``key`` a metric of each
    level's evaluation (``test_err``, ``train_err``, ``distance``, ...).
    """
    if stage not in ("final", "pruned"):
        raise ValueError(f"stage must be 'final' or 'pruned', got {stage!r}")
    levels = metrics.get("levels")
    if not levels:
        raise ValueError("metrics of a finished pruned run (with 'levels') are needed")
    kept = [lv["mask"]["kept"] for lv in levels]
    missing = [lv["level"] for lv in levels if key not in lv[stage]]
    if missing:
        raise ValueError(f"levels {missing} have no {key!r} in their {stage!r} metrics")
    err = np.asarray([lv[stage][key] for lv in levels], dtype=float)
    return remaining_parameters(metrics["params"], metrics["prunable"], kept), err


@dataclass(frozen=True)
class Retrace:
    """A pruned trajectory against the dense double-descent curve (see :func:`retrace`).

    ``params``, ``err``: the trajectory sorted by increasing parameter count; ``dense_err``:
    the dense curve interpolated at those counts (NaN outside its range); ``gap``:
    ``err - dense_err``, positive where pruning is worse than training that small dense;
    ``mean_gap``, ``max_gap``: over the points inside the dense range (NaN if none).
    ``dense`` and ``pruned``: ``find_peak`` of each curve over parameter counts;
    ``dense_peak`` and ``pruned_peak``: their peaks' parameter counts (None without a
    double descent); ``retraces_peak``: both have a double descent and the peaks are
    within a factor ``window`` of each other in parameter count.
    """

    params: np.ndarray
    err: np.ndarray
    dense_err: np.ndarray
    gap: np.ndarray
    mean_gap: float
    max_gap: float
    dense: DoubleDescent
    pruned: DoubleDescent | None
    dense_peak: float | None
    pruned_peak: float | None
    retraces_peak: bool


def retrace(
    pruned_params,
    pruned_err,
    dense_params,
    dense_err,
    window: float = 2.0,
    min_change: float = 0.01,
    pruned_min_change: float | None = None,
) -> Retrace:
    """Compare a pruned trajectory with the dense DD curve at equal parameter count.

    ``pruned_params``/``pruned_err``: remaining parameters and test error of each pruning
    level (any order); ``dense_params``/``dense_err``: parameter count of each width and
    its test error, shape (widths,) or (seeds, widths) (the mean over seeds is the curve).
    The dense curve is interpolated linearly in log parameters; no extrapolation. The
    trajectory "passes through a peak where the dense curve has one" when both curves hold
    a double descent by ``find_peak`` (rise and fall above ``min_change``) and the two
    peaks lie within a factor ``window`` in parameter count. ``pruned_min_change`` (default
    ``min_change``) is the rise and fall the trajectory's own double descent needs (e.g.
    the noise margin of a single run), while the dense curve keeps ``min_change``.
    """
    p = np.asarray(pruned_params, dtype=float)
    e = np.asarray(pruned_err, dtype=float)
    if p.ndim != 1 or p.shape != e.shape or p.size == 0 or np.any(p <= 0):
        raise ValueError(f"pruned_params and pruned_err must be equal-length 1-d, params > 0, "
                         f"got shapes {p.shape} and {e.shape}")
    order = np.argsort(p)
    p, e = p[order], e[order]
    dp = np.asarray(dense_params, dtype=float)
    if np.any(dp <= 0):
        raise ValueError("dense_params must be > 0")
    dense = find_peak(dp.tolist(), dense_err, min_change=min_change)
    curve = np.asarray(dense.err)
    inside = (p >= dp[0]) & (p <= dp[-1])
    at = np.where(inside, np.interp(np.log(p), np.log(dp), curve), np.nan)
    gap = e - at
    mean_gap = float(np.nanmean(gap)) if inside.any() else math.nan
    max_gap = float(np.nanmax(gap)) if inside.any() else math.nan
    pruned = None
    if len(np.unique(p)) == len(p) and len(p) >= 3:
        pruned = find_peak(p.tolist(), e, min_change=min_change if pruned_min_change is None
                           else pruned_min_change)
    dense_peak = float(dp[dense.peak]) if dense.holds else None
    pruned_peak = float(p[pruned.peak]) if pruned is not None and pruned.holds else None
    near = (dense_peak is not None and pruned_peak is not None
            and abs(math.log(pruned_peak / dense_peak)) <= math.log(window))
    return Retrace(params=p, err=e, dense_err=at, gap=gap, mean_gap=mean_gap, max_gap=max_gap,
                   dense=dense, pruned=pruned, dense_peak=dense_peak, pruned_peak=pruned_peak,
                   retraces_peak=bool(near))


@dataclass(frozen=True)
class EpochPeak:
    """Epoch-wise double descent in one test-error history (see :func:`epoch_peak`)."""

    bottom: int  # epoch of the lowest error before the peak
    peak: int  # epoch of the peak
    rise: float  # error at the peak minus error at the bottom
    fall: float  # error at the peak minus the final error
    holds: bool  # rise and fall both above min_change


def epoch_peak(epochs, test_err, min_change: float) -> EpochPeak:
    """The peak ``p`` of a test-error history that maximises ``min(rise, fall)``, with
    ``rise = e[p] - min(e[:p])`` and ``fall = e[p] - e[-1]``: an error that falls, rises and
    falls again by the last epoch (epoch-wise DD, Nakkiran et al. 2019). ``holds`` when both
    exceed ``min_change`` (e.g. the noise margin of the test error). Without a peak
    (fewer than 3 epochs, or a monotone curve) ``rise`` or ``fall`` is <= 0."""
    ep = np.asarray(epochs, dtype=int)
    e = np.asarray(test_err, dtype=float)
    if ep.ndim != 1 or ep.shape != e.shape or ep.size < 3 or not np.all(np.isfinite(e)):
        raise ValueError(f"epochs and test_err must be finite, equal-length 1-d arrays of at "
                         f"least 3 points, got shapes {ep.shape} and {e.shape}")
    if not min_change >= 0:
        raise ValueError(f"min_change must be >= 0, got {min_change!r}")
    low = np.minimum.accumulate(e)  # low[i] = min(e[:i + 1])
    rise = e[1:-1] - low[:-2]
    fall = e[1:-1] - e[-1]
    p = int(np.argmax(np.minimum(rise, fall))) + 1
    b = int(np.argmin(e[:p]))
    r, f = float(e[p] - e[b]), float(e[p] - e[-1])
    return EpochPeak(bottom=int(ep[b]), peak=int(ep[p]), rise=r, fall=f,
                     holds=bool(r > min_change and f > min_change))


# --------------------------------------------------------------------------- sparse threshold


def _levels(params, values, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A trajectory sorted from the most to the fewest parameters (ValueError if malformed)."""
    p = np.asarray(params, dtype=float)
    v = np.asarray(values, dtype=float)
    if (p.ndim != 1 or p.shape != v.shape or p.size == 0 or not np.all(np.isfinite(v))
            or not np.all(np.isfinite(p)) or np.any(p <= 0)):
        raise ValueError(f"params and {name} must be finite, equal-length 1-d arrays with "
                         f"params > 0, got shapes {p.shape} and {v.shape}")
    order = np.argsort(-p, kind="stable")
    return p[order], v[order]


def sparse_threshold(params, train_err, tol: float = TOL) -> float | None:
    """Where a pruning trajectory stops interpolating: the fewest remaining parameters of
    the levels that, from the densest on, all keep the training error below ``tol``.

    None when the densest level does not interpolate. Compared with the dense IT in
    parameters, it says whether sparse networks need more or fewer parameters to fit the
    (noisy) training labels than dense ones.
    """
    p, e = _levels(params, train_err, "train_err")
    fits = e < tol
    if not fits[0]:
        return None
    last = len(fits) if fits.all() else int(np.argmin(fits))
    return float(p[last - 1])


def compact_size(params, test_err, margin: float) -> float:
    """The fewest remaining parameters whose test error is within ``margin`` of the
    trajectory's lowest: how far pruning goes without losing accuracy (Arora et al. 2023
    compare this size across starting widths)."""
    if not margin >= 0:
        raise ValueError(f"margin must be >= 0, got {margin!r}")
    p, e = _levels(params, test_err, "test_err")
    return float(p[e <= e.min() + margin].min())


# --------------------------------------------------------------------------- learning distance


def _array(v) -> np.ndarray:
    if hasattr(v, "detach"):  # a torch tensor: to the CPU, in float32 (bf16 has no numpy)
        v = v.detach().cpu()
        v = v.float() if v.is_floating_point() else v
        return v.numpy()
    return np.asarray(v)


_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


def learning_distance(state: Mapping, init: Mapping, keys: Iterable[str] | None = None,
                      relative: bool = False) -> float:
    """``||theta - theta_0||_2`` over the entries ``keys`` of two state dicts.

    ``keys`` defaults to every floating-point entry of ``state`` except batch-norm running
    statistics (the trainable parameters of the models here); give e.g. the prunable
    weight names for the weights alone. With ``relative``, divided by ``||theta_0||_2``.
    ValueError if a key is missing from ``init`` or the shapes differ.
    """
    if keys is None:
        keys = [k for k, v in state.items() if not k.endswith(_BUFFERS)
                and np.issubdtype(_array(v).dtype, np.floating)]
    total = norm0 = 0.0
    for k in keys:
        if k not in state or k not in init:
            raise ValueError(f"entry {k!r} is not in both state dicts")
        a, b = _array(state[k]).astype(np.float64), _array(init[k]).astype(np.float64)
        if a.shape != b.shape:
            raise ValueError(f"entry {k!r} has shape {a.shape} and {b.shape}")
        total += float(np.sum((a - b) ** 2))
        norm0 += float(np.sum(b ** 2))
    dist = math.sqrt(total)
    if relative:
        if norm0 == 0:
            raise ValueError("the initial weights are all zero: no relative distance")
        return dist / math.sqrt(norm0)
    return dist
