"""A threshold sweep's stored runs, as the threshold chapter reads them.

:func:`load` gathers both stages of a threshold sweep (``sweeps.threshold_mnist1d`` or
``sweeps.threshold_cifar``) into a :class:`Study`: the dense width sweep as seed-by-width
matrices against parameter count, what the prune stage planned (the interpolation
threshold, the widths, the checkpoints), and every pruned run as a :class:`Trajectory`
with the dense network it started from. The rules applied to them live in
:mod:`prunedd_utils.threshold`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

import numpy as np

from . import threshold, verdicts
from .runs import Run, seed_matrix, sweep
from .sweeps import threshold_stages as stages


@dataclass(frozen=True)
class Trajectory:
    """One pruned run: per level, the remaining parameters and its errors after retraining.

    ``mode``: ``finetune``, ``rewind_weights``, ``rewind_lr``, ``random`` or ``one_shot``
    (``threshold_stages.mode_of``); ``checkpoint``: the names of the checkpoint it prunes
    (``"final"``, ``"optimum"``, ``"interpolation+final"``, ...); ``final``: it prunes the
    final weights. ``start``: (parameters, test error, training error) of the dense network
    it prunes (test error None when that epoch was not evaluated); ``seconds``: the run's
    training time, on ``device``.
    """

    width: int
    seed: int
    mode: str
    checkpoint: str
    final: bool
    params: np.ndarray
    test: np.ndarray
    train: np.ndarray
    distance: np.ndarray
    start: tuple
    seconds: float = 0.0
    device: str = "cpu"

    def prunes(self, checkpoint: str) -> bool:
        """Whether the run prunes the checkpoint named ``checkpoint`` (a run whose
        checkpoints share an epoch, ``"interpolation+final"``, prunes each of them)."""
        return checkpoint in self.checkpoint.split("+")


@dataclass(frozen=True)
class Study:
    """Both stages of a threshold sweep (see :func:`load`).

    ``widths`` (increasing) and ``seeds`` of the dense sweep; ``params``: parameters per
    width; ``test``, ``train``, ``distance``: final test error, training error (on the
    labels trained on) and learning distance, shape (seeds, widths); ``plan``: what the
    prune stage decided (``threshold_stages.plan``); ``trajectories``: every pruned run;
    ``histories``: the per-epoch metrics of each dense run, by (width, seed);
    ``checkpoints``: the checkpoints pruned at the width nearest the IT (the other widths
    are pruned from their final weights); ``dense_seconds``: the training time of the
    dense runs, in all, on ``dense_devices``.
    """

    widths: list
    seeds: list
    params: np.ndarray
    test: np.ndarray
    train: np.ndarray
    distance: np.ndarray
    plan: dict
    trajectories: list = field(default_factory=list)
    histories: dict = field(default_factory=dict)
    checkpoints: tuple = ("final",)
    dense_seconds: float = 0.0
    dense_devices: tuple = ()

    def hours(self) -> float:
        """Training time of every run of both stages, in hours (one worker's time)."""
        return (self.dense_seconds + sum(t.seconds for t in self.trajectories)) / 3600

    def devices(self) -> list[str]:
        """The devices the runs of both stages trained on."""
        return sorted(set(self.dense_devices) | {t.device for t in self.trajectories})

    def pick(self, **equal) -> list[Trajectory]:
        """The trajectories whose fields equal the given values (``pick(mode="finetune")``)."""
        return [t for t in self.trajectories
                if all(getattr(t, k) == v for k, v in equal.items())]

    def params_of(self, width: int) -> int:
        """Parameters of the dense network of ``width``."""
        return int(self.params[self.widths.index(width)])


def _stored(settings, experiment: str, stage: str, run: bool, name: str) -> list[dict]:
    """The rows of ``settings``, all finished, with the metrics this module reads (the
    learning distance: runs stored before it was recorded are refused by name)."""
    rows = sweep(settings, experiment, run=run, progress=False)
    extra = "" if stage == "dense" else " -p stage=prune"
    if len(rows) < len(settings):
        raise RuntimeError(
            f"{len(settings) - len(rows)} of {len(settings)} runs of the {stage} stage are not"
            f" stored: train them with `python -m prunedd_utils sweep {name}{extra}`")
    failed = [r["hash"] for r in rows if r["status"] != "done"]
    if failed:
        raise RuntimeError(f"runs {failed} of the {stage} stage failed (see their metrics); "
                           f"retry them with `sweep {name}{extra} --retry-failed`")
    old = [r["hash"] for r in rows if stage == "dense" and r.get("distance") is None]
    if old:
        raise RuntimeError(f"runs {old} were stored without a learning distance (before it "
                           f"was recorded): delete them and run `sweep {name}` again")
    return rows


def _start(s, dense_metrics: dict, params: int) -> tuple:
    if s.prune_at == -1:
        at = dense_metrics["final"]
    else:
        at = next(e for e in dense_metrics["history"] if e["epoch"] == s.prune_at)
    return params, at.get("test_err"), at.get("train_err")


def _checkpoint(s, plan: dict, chosen) -> str:
    """The names among ``chosen`` (the checkpoints pruned at this width) of the epoch run
    ``s`` prunes, joined by ``+`` when they share it."""
    epochs_at = plan["checkpoints"][(s.width, s.seed)].epochs()
    at = s.epochs if s.prune_at == -1 else s.prune_at
    return "+".join(k for k, e in epochs_at.items() if e == at and k in chosen)


def _trajectory(s, experiment: str, plan: dict, params: int, dense: dict,
                chosen) -> Trajectory:
    """The pruned run ``s`` as a Trajectory; ``dense``: the metrics of its dense run;
    ``chosen``: the checkpoints pruned at its width."""
    m = Run(s, experiment).metrics()
    p, test = threshold.trajectory(m)
    _, train = threshold.trajectory(m, key="train_err")
    _, dist = threshold.trajectory(m, key="distance_kept")
    return Trajectory(width=s.width, seed=s.seed, mode=stages.mode_of(s),
                      checkpoint=_checkpoint(s, plan, chosen), final=s.prune_at == -1, params=p,
                      test=test, train=train, distance=dist, start=_start(s, dense, params),
                      seconds=float(m.get("seconds", 0.0)), device=str(m.get("device")))


def load(module: ModuleType, params: dict, experiment: str | None = None,
         run: bool = False) -> Study:
    """The stored runs of threshold sweep ``module`` called with ``params``, both stages.

    ``experiment`` defaults to the sweep's folder; ``run=True`` trains what is missing
    (first the dense stage, then the prune stage it plans). RuntimeError naming the command
    when runs are missing and ``run`` is False.
    """
    experiment = experiment or module.EXPERIMENT
    name = module.__name__.rsplit(".", 1)[-1]
    dense_runs = module.settings(stage="dense", **params)
    dense = _stored(dense_runs, experiment, "dense", run, name)
    pruned = module.settings(stage="prune", **params)
    _stored(pruned, experiment, "prune", run, name)
    plan = module.plan(**params)
    widths = sorted({r["width"] for r in dense})
    seeds = sorted({r["seed"] for r in dense})
    by_width = {r["width"]: r["params"] for r in dense}
    n_params = np.array([by_width[w] for w in widths], dtype=float)
    metrics = {s.hash: Run(s, experiment).metrics() for s in dense_runs}  # read once each
    checkpoints = tuple(stages.all_params(module.settings, params)["checkpoints"])

    def matrix(key):
        return np.array(seed_matrix(dense, "width", key, widths, seeds), dtype=float)

    return Study(widths=widths, seeds=seeds, params=n_params, test=matrix("test_err"),
                 train=matrix("train_err"), distance=matrix("distance"), plan=plan,
                 trajectories=[_trajectory(s, experiment, plan, by_width[s.width],
                                           metrics[s.dense().hash], stages.pruned_checkpoints(
                                               checkpoints, plan["center"], s.width))
                               for s in pruned],
                 histories={(s.width, s.seed): metrics[s.hash]["history"] for s in dense_runs},
                 checkpoints=checkpoints,
                 dense_seconds=sum(float(m.get("seconds", 0.0)) for m in metrics.values()),
                 dense_devices=tuple(sorted({str(m.get("device")) for m in metrics.values()})))


def margin(err, n_test: int):
    """The book's margin between two test errors: 2 sqrt(2) binomial standard errors of
    ``err`` on ``n_test`` examples (two single runs differ when further apart)."""
    err = np.asarray(err, dtype=float)
    return 2.0 * np.sqrt(2.0) * np.sqrt(err * (1.0 - err) / n_test)


def findings(study: Study, n_test: int, tol: float = threshold.TOL,
             mode: str = "finetune") -> list[dict]:
    """The chapter's rules applied to each trajectory of ``mode``, one dict per trajectory.

    With ``e0`` the start error and ``m`` = :func:`margin` (``e0``): ``recovery`` = lowest
    error over the levels - ``e0``; ``recovers_at``: the first level whose error is below
    ``e0 - m`` (None: it never recovers); ``retrace``: ``threshold.retrace`` against the
    dense mean curve; ``where``: ``follows`` the dense curve (|mean gap| <= m), runs
    ``below`` or ``above`` it, or ``outside`` its range; ``sparse_dd``: the trajectory has
    a double descent of its own (rise and fall above max(0.01, m)); ``through_peak``: with
    its peak within a factor 2 of the dense peak (found by the dense curve's own rule, rise
    and fall above 0.01, as in ``threshold_and_peak``); ``sparse_it``:
    ``threshold.sparse_threshold`` (None: the first level does not fit) and its ratio to
    the dense IT's parameters; ``compact``: ``threshold.compact_size`` within the margin
    of the trajectory's best.
    """
    found = study.plan["threshold"]
    dense_it = None if found is None or found.threshold is None else study.params_of(
        found.threshold)
    out = []
    for t in study.pick(mode=mode):
        e0 = t.start[1]
        m = float(margin(e0, n_test))
        best = float(t.test.min())
        r = threshold.retrace(t.params, t.test, study.params, study.test,
                              pruned_min_change=max(0.01, m))
        if np.isnan(r.mean_gap):
            where = "outside"
        else:
            where = "follows" if abs(r.mean_gap) <= m else "below" if r.mean_gap < 0 else "above"
        sp = threshold.sparse_threshold(t.params, t.train, tol)
        out.append(dict(
            width=t.width, seed=t.seed, checkpoint=t.checkpoint, final=t.final, start=e0,
            best=best,
            recovery=best - e0,
            recovers_at=next((i + 1 for i, e in enumerate(t.test) if e < e0 - m), None),
            retrace=r, mean_gap=r.mean_gap, where=where,
            mean_err=float(np.nanmean(np.where(np.isnan(r.dense_err), np.nan, r.err)))
            if not np.isnan(r.mean_gap) else None,
            sparse_dd=bool(r.pruned is not None and r.pruned.holds),
            through_peak=r.retraces_peak, sparse_it=sp,
            sparse_it_ratio=None if sp is None or dense_it is None else sp / dense_it,
            compact=threshold.compact_size(t.params, t.test, float(margin(best, n_test)))))
    return out


def _groups(rows: list[dict]) -> dict:
    """The rows by (width, checkpoint name); a row whose checkpoint is several names
    (``"interpolation+final"``: the same epoch) belongs to each of them."""
    order = {c: i for i, c in enumerate(stages.CHECKPOINTS)}
    out: dict = {}
    for r in rows:
        for name in r["checkpoint"].split("+"):
            out.setdefault((r["width"], name), []).append(r)
    return dict(sorted(out.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 99))))


def side_of_curve(gaps, err: float, n_test: int) -> str:
    """The seed rule for a trajectory's mean gaps to the dense curve (one per seed):
    ``below`` when their mean is below ``-2 u``, ``above`` when above ``2 u``, ``follows``
    otherwise, with ``u`` as in ``verdicts.uncertainty``: half the range of the gaps, or
    sqrt(2) binomial standard errors at the trajectory's mean error ``err``, if larger."""
    g = np.asarray(gaps, dtype=float)
    if g.size == 0 or not np.all(np.isfinite(g)):
        raise ValueError(f"gaps must be a non-empty list of finite numbers, got {gaps!r}")
    u = max((g.max() - g.min()) / 2, float(np.sqrt(2 * err * (1 - err) / int(n_test))))
    return "below" if g.mean() < -2 * u else "above" if g.mean() > 2 * u else "follows"


def summarize(rows: list[dict], n_test: int) -> list[dict]:
    """:func:`findings` rows gathered over the seeds of each (width, checkpoint).

    Each summary holds ``width``, ``checkpoint``, ``seeds``; the bands ``(mean, min, max)``
    over seeds of ``start``, ``best``, ``mean_gap``, ``compact`` and ``sparse_it_ratio``
    (over the seeds that fit at their first level; None if none does); ``recovery``: the
    seed rule (``verdicts.compare``) of the best errors against the start errors (``lower``:
    pruning recovers); ``recovers_at``: the first recovered level of each seed; ``where``:
    :func:`side_of_curve` of the seeds' mean gaps (``outside`` when no level lies in the
    dense range); ``sparse_dd`` and ``through_peak``: how many seeds show them.
    """
    out = []
    for (width, name), g in _groups(rows).items():
        ratios = [r["sparse_it_ratio"] for r in g if r["sparse_it_ratio"] is not None]
        gaps = [r["mean_gap"] for r in g if not np.isnan(r["mean_gap"])]
        out.append(dict(
            width=width, checkpoint=name, seeds=[r["seed"] for r in g],
            final=name == "final",
            start=verdicts.band([r["start"] for r in g]),
            best=verdicts.band([r["best"] for r in g]),
            recovery=verdicts.compare([r["best"] for r in g], [r["start"] for r in g], n_test),
            recovers_at=[r["recovers_at"] for r in g],
            where="outside" if not gaps else side_of_curve(
                gaps, float(np.mean([r["mean_err"] for r in g])), n_test),
            mean_gap=verdicts.band(gaps) if gaps else None,
            sparse_dd=sum(r["sparse_dd"] for r in g),
            through_peak=sum(r["through_peak"] for r in g),
            sparse_it_ratio=verdicts.band(ratios) if ratios else None,
            fits=len(ratios),
            compact=verdicts.band([r["compact"] for r in g])))
    return out


def comparable_sizes(study: Study, summaries: list) -> tuple[float, float, bool]:
    """Whether IMP from different starting widths ends at comparable sizes (Arora et al.
    2023): over the :func:`summarize` rows pruned from final weights, the span (largest /
    smallest) of their mean compact sizes and of their starting sizes, and whether the
    compact sizes span less than a factor 2 while the starts span more than a factor 4."""
    finals = [f for f in summaries if f["checkpoint"] == "final"]
    if not finals:
        raise ValueError("summaries hold no trajectory from final weights")
    sizes = [f["compact"][0] for f in finals]
    starts = [study.params_of(f["width"]) for f in finals]
    span, start_span = max(sizes) / min(sizes), max(starts) / min(starts)
    return span, start_span, bool(span < 2 and start_span > 4)


def tested(history: list) -> tuple[list, np.ndarray]:
    """The evaluated epochs of a dense run's history and their test errors."""
    h = [e for e in history if e.get("test_err") is not None]
    return [int(e["epoch"]) for e in h], np.array([e["test_err"] for e in h], dtype=float)


def unfit_beyond_threshold(study: Study, tol: float) -> list[tuple[int, int]]:
    """The widths wider than the IT at which some seed's final training error is not below
    ``tol``, with how many seeds: the IT rule reads the seed mean, and a run that has not
    settled at its last epoch (a constant rate) can still be off the fit beyond it."""
    found = study.plan["threshold"]
    if found is None or found.threshold is None:
        return []
    out = []
    for i, w in enumerate(study.widths):
        n = int(np.sum(study.train[:, i] >= tol))
        if w > found.threshold and n:
            out.append((w, n))
    return out


def model_dd(study: Study, n_test: int) -> dict:
    """Model-wise double descent of the dense sweep, by the seed rule.

    The bottom and the peak are those of the study's own rule (``threshold.threshold_and_
    peak`` on the seed-mean final test error, in ``plan["threshold"]``); the seeds' errors
    at the peak are compared (``verdicts.compare``) with those at the bottom (``rise``) and
    at the widest width (``fall``): it ``holds`` when the peak is ``higher`` than both.
    ``rise`` and ``fall`` are None when the rule finds no peak.
    """
    found = study.plan["threshold"]
    if found is None or found.dd.peak is None:
        return dict(rise=None, fall=None, holds=False)
    col = study.test.T  # (widths, seeds)
    return _peak_verdict(col[found.dd.peak], col[found.dd.bottom], col[-1], n_test)


def _peak_verdict(peak, bottom, end, n_test: int) -> dict:
    """The seeds' errors at a peak against those at the bottom before it (``rise``) and
    at the end of the curve (``fall``), by the seed rule; it ``holds`` when both are
    ``higher``."""
    rise = verdicts.compare(peak, bottom, n_test)
    fall = verdicts.compare(peak, end, n_test)
    return dict(rise=rise, fall=fall, holds=rise.outcome == "higher" == fall.outcome)


def dense_distance_peak(study: Study):
    """The dense width whose mean learning distance over the seeds is largest."""
    return study.widths[int(np.argmax(study.distance.mean(axis=0)))]


def distance_peak_level(trajs: list) -> int:
    """The index of the level at which trajectories of one width and checkpoint (the same
    levels, one per seed) have their largest mean learning distance."""
    return int(np.argmax(np.mean([t.distance for t in trajs], axis=0)))


def epoch_dd(study: Study, width: int, n_test: int) -> dict:
    """Epoch-wise double descent of the dense runs of ``width``, by the seed rule.

    The bottom and the peak are those of ``threshold.epoch_peak`` on the seed-mean test
    error against epoch; the peak's per-seed errors are compared (``verdicts.compare``)
    with the bottom's (``rise``) and with the final ones (``fall``): epoch-wise DD
    ``holds`` when the peak is ``higher`` than both. Returns ``epochs``, ``mean``,
    ``peak``, ``rise``, ``fall``, ``holds``.
    """
    curves = [tested(study.histories[(width, s)]) for s in study.seeds]
    epochs = curves[0][0]
    if any(c[0] != epochs for c in curves):
        raise ValueError(f"the seeds of width {width} were evaluated at different epochs")
    errs = np.array([c[1] for c in curves])
    peak = threshold.epoch_peak(epochs, errs.mean(axis=0), 0.0)
    b, p = epochs.index(peak.bottom), epochs.index(peak.peak)
    return dict(epochs=epochs, mean=errs.mean(axis=0), peak=peak,
                **_peak_verdict(errs[:, p], errs[:, b], errs[:, -1], n_test))
