"""Figures and printed reports of the threshold study (chapters 07 and 07b).

Each function takes a :class:`~prunedd_utils.threshold_results.Study` (one data set, both
stages of its sweep) and draws or prints one part of the analysis, so that the MNIST-1D
and the CIFAR-10 chapters show the same things in the same way. ``name`` is the width's
symbol in the printed text (``h`` for the MLPs, ``k`` for ResNet-20). Figures are returned
after ``plotting.check_legible``; the chapter shows them.
"""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np

from . import verdicts
from .plotting import COLORS, TARGET_COLORS, check_legible
from .sweeps.threshold_stages import CHECKPOINTS
from .threshold_answers import first_levels
from .threshold_results import (
    Study,
    comparable_sizes,
    dense_distance_peak,
    distance_peak_level,
    epoch_dd,
    model_dd,
    tested,
    unfit_beyond_threshold,
)
from .verdicts import band_text

WIDE = (7.0, 4.0)
CHECKPOINT_MARKERS = {"optimum": "v", "interpolation": "s", "final": "o"}
TALL = (7.0, 7.5)


def plot_band(ax, x, m, color, ls="-", label=None, marker="o"):
    """Mean over the rows of ``m`` (seeds) against ``x``, with a min-max band."""
    m = np.asarray(m, dtype=float)
    ax.plot(x, m.mean(axis=0), ls=ls, marker=marker, ms=3, color=color, label=label)
    ax.fill_between(x, m.min(axis=0), m.max(axis=0), color=color, alpha=0.2, lw=0)


def seeds_text(n: int) -> str:
    """``1 seed``, ``3 seeds``."""
    return f"{n} seed{'s' * (n != 1)}"


def legend_below(ax, ncol: int = 3, handles_from=None) -> None:
    """The legend under ``ax``, outside the data, so that it hides no curve whatever the
    data (curves fill different corners in different studies); ``handles_from``: the axes
    whose lines it names (default ``ax``)."""
    handles, labels = (handles_from or ax).get_legend_handles_labels()
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=ncol)


def width_colors(widths) -> dict:
    """One colour per width, the palette repeated when there are more widths."""
    return dict(zip(widths, itertools.cycle(TARGET_COLORS)))


# --------------------------------------------------------------------------- dense curve


def dd_figure(st: Study, name: str = "h"):
    """The dense double descent against parameter count: test error (solid), training
    error on the noisy labels (dashed), seed bands, and the IT (dotted)."""
    found = st.plan["threshold"]
    fig, ax = plt.subplots(figsize=WIDE)
    plot_band(ax, st.params, st.test, COLORS["dense"], label="test error")
    plot_band(ax, st.params, st.train, COLORS["dense"], ls="--",
              label="train error (noisy labels)")
    if found is not None and found.threshold is not None:  # None: widths given by hand
        it = found.threshold
        ax.axvline(st.params_of(it), color="tab:red", lw=1, ls=":", label=f"IT, {name} = {it}")
    ax.set_xscale("log")
    ax.set_xlabel("parameters of the dense network")
    ax.set_ylabel("error")
    legend_below(ax)
    return check_legible(fig)


def threshold_report(st: Study, tol: float, n_test: int, name: str = "h") -> None:
    """Print the IT, the test-error peak with its seed range, whether double descent holds
    by the rule on the mean and by the seed rule (``threshold_results.model_dd``, on
    ``n_test`` test examples), and what was pruned."""
    found = st.plan["threshold"]
    if found is None:
        print(f"widths pruned (given, no IT): {', '.join(str(w) for w in st.plan['widths'])}")
        return
    print(f"IT (mean final train error < {tol}): {name} = {found.threshold} "
          f"({st.params_of(found.threshold):,} parameters); per seed: "
          f"{', '.join(str(t) for t in found.seed_thresholds)}")
    unfit = unfit_beyond_threshold(st, tol)
    print("wider than the IT, a seed does not fit at: " + (", ".join(
        f"{name} = {w} ({n} of {len(st.seeds)} seeds)" for w, n in unfit) or "no width"))
    if found.peak_width is None:
        print("no test-error peak by the rule (no rise and fall above 0.01)")
    else:
        print(f"test-error peak: {name} = {found.peak_width}, {found.peak_err:.3f} (range over "
              f"seeds {found.peak_spread:.3f}); per seed: "
              f"{', '.join(str(p) for p in found.seed_peaks)}")
    print(f"double descent by the rule (rise and fall beyond 0.01): {found.holds}")
    dd = model_dd(st, n_test)
    if dd["rise"] is not None:
        print(f"by the seed rule: peak vs bottom {dd['rise'].outcome}, vs widest "
              f"{dd['fall'].outcome} (margin {max(dd['rise'].margin, dd['fall'].margin):.3f}):"
              f" {'holds' if dd['holds'] else 'does not hold'}")
    at = (f"checkpoints {', '.join(st.checkpoints)} at {name} = {st.plan['center']}, final "
          f"weights elsewhere" if st.checkpoints != ("final",) else "final weights")
    print(f"widths pruned: {', '.join(str(w) for w in st.plan['widths'])}; {at}")


# --------------------------------------------------------------------------- checkpoints


def checkpoint_figure(st: Study, seed: int, name: str = "h"):
    """Test error against epoch of each pruned width (one seed), the checkpoints of the
    width nearest the IT marked."""
    colors = width_colors(st.plan["widths"])
    fig, ax = plt.subplots(figsize=WIDE)
    for w in st.plan["widths"]:
        ep, err = tested(st.histories[(w, seed)])
        ax.plot(ep, err, color=colors[w], lw=1, label=f"{name} = {w}")
    center = st.plan["center"]
    at = dict(zip(*tested(st.histories.get((center, seed), [])), strict=True))
    picks = st.plan["checkpoints"].get((center, seed))
    for label, e in ({} if picks is None else picks.epochs()).items():
        if label in st.checkpoints:
            ax.plot(e, at[e], CHECKPOINT_MARKERS[label], color="black", ms=7, ls="none",
                    label=f"{label}, {name} = {center}")
    ax.set_xscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("test error")
    legend_below(ax, ncol=4)
    return check_legible(fig)


def checkpoint_report(st: Study, name: str = "h") -> None:
    """Print the checkpoints of each seed at the width nearest the IT."""
    for (w, seed), p in st.plan["checkpoints"].items():
        if w == st.plan["center"]:
            fit = "never" if p.interpolation is None else f"epoch {p.interpolation}"
            print(f"{name} = {w}, seed {seed}: optimum epoch {p.optimum} (test "
                  f"{p.optimum_err:.3f}), fits the labels from {fit}, final epoch {p.final}")


def epoch_report(st: Study, n_test: int, name: str = "h") -> list:
    """Print and return (width, ``threshold_results.epoch_dd``) for each pruned width:
    the bottom and the peak of the seed-mean test error against epoch, and whether the
    peak is higher than both the bottom and the final error by the seed rule."""
    out = []
    for w in st.plan["widths"]:
        d = epoch_dd(st, w, n_test)
        p = d["peak"]
        print(f"{name} = {w:>3}: bottom {d['rise'].b:.3f} at epoch {p.bottom}, peak "
              f"{d['rise'].a:.3f} at epoch {p.peak}, final {d['fall'].b:.3f}; peak vs bottom: "
              f"{d['rise'].outcome}, vs final: {d['fall'].outcome} (margin "
              f"{max(d['rise'].margin, d['fall'].margin):.3f}): epoch-wise DD "
              f"{'yes' if d['holds'] else 'no'}")
        out.append((w, d))
    return out


# --------------------------------------------------------------------------- trajectories


def seed_band(trajs: list, key: str) -> tuple[np.ndarray, np.ndarray]:
    """Remaining parameters, and ``key`` (``test`` or ``train``) per seed, of trajectories
    of one width and checkpoint (the same levels), each preceded by its dense start."""
    start = 1 if key == "test" else 2
    x = np.concatenate([[trajs[0].start[0]], trajs[0].params])
    return x, np.array([[t.start[start], *getattr(t, key)] for t in trajs], dtype=float)


def trajectory_figure(st: Study, groups: list):
    """IMP trajectories over the dense curve (black), mean over seeds with a min-max band,
    the dense start an open circle: (a) test error, (b) training error. ``groups``: a list
    of (label, colour, trajectories of one width and checkpoint)."""
    fig, axes = plt.subplots(2, 1, figsize=TALL, sharex=True)
    for ax, key, title in ((axes[0], "test", "(a) test error"),
                           (axes[1], "train", "(b) training error on the noisy labels")):
        plot_band(ax, st.params, getattr(st, key), COLORS["dense"], marker="", label="dense")
        for label, color, trajs in groups:
            x, m = seed_band(trajs, key)
            plot_band(ax, x, m, color, marker=".", label=label)
            ax.plot(x[0], m[:, 0].mean(), "o", mfc="none", ms=8, color=color)
        ax.set_xscale("log")
        ax.set_title(title)
    axes[1].set_xlabel("remaining parameters")
    legend_below(axes[1], ncol=3, handles_from=axes[0])
    return check_legible(fig)


def final_groups(st: Study, name: str = "h") -> list:
    """:func:`trajectory_figure` groups: fine-tuned IMP from each width's final weights."""
    colors = width_colors(st.plan["widths"])
    groups = [(f"from {name} = {w}", colors[w], st.pick(mode="finetune", final=True, width=w))
              for w in st.plan["widths"]]
    return [g for g in groups if g[2]]


def at_checkpoint(st: Study, checkpoint: str, **equal) -> list:
    """The trajectories of the width nearest the IT that prune ``checkpoint`` (a name of
    ``CHECKPOINTS``; a run pruning ``interpolation+final`` counts for both)."""
    return [t for t in st.pick(width=st.plan["center"], **equal) if t.prunes(checkpoint)]


def checkpoint_groups(st: Study) -> list:
    """:func:`trajectory_figure` groups at the IT width: fine-tuned IMP from each
    checkpoint, weight rewinding and random IMP from the final weights."""
    out = [(f"{c}, fine-tuned", TARGET_COLORS[i], at_checkpoint(st, c, mode="finetune"))
           for i, c in enumerate(CHECKPOINTS)]
    out += [(f"final, {m.replace('_', ' ')}", TARGET_COLORS[i], at_checkpoint(st, "final", mode=m))
            for i, m in enumerate(("rewind_weights", "random"), start=len(CHECKPOINTS))]
    return [g for g in out if g[2]]


# --------------------------------------------------------------------------- findings


def findings_report(summaries: list, name: str = "h") -> None:
    """Print ``threshold_results.summarize`` rows: per pruned width and checkpoint, the
    recovery, the dense-curve verdict and the sparse IT over its seeds."""
    for f in summaries:
        n = len(f["seeds"])
        rec = f["recovery"]
        levels = first_levels(f)
        fit = ("no seed fits at its first level" if f["fits"] == 0 else
               "sparse IT: no dense IT to compare" if f["sparse_it_ratio"] is None else
               f"fits down to {band_text(f['sparse_it_ratio'], '.2f')} x IT ({f['fits']} of "
               f"{n} fit at first)")
        gap = "-" if f["mean_gap"] is None else band_text(f["mean_gap"], "+.3f")
        print(f"{name} = {f['width']:>3} {f['checkpoint']:>13} ({seeds_text(n)}): "
              f"start {band_text(f['start'])}, best {band_text(f['best'])}; best vs start: "
              f"{rec.outcome} (margin {rec.margin:.3f}); first level more than one run's "
              f"margin below start: {levels}")
        print(f"{'':>20}dense curve: {f['where']}, gap {gap}; sparse DD in {f['sparse_dd']} "
              f"of {n}, through the dense peak in {f['through_peak']} of {n}; {fit}")


def modes_report(st: Study, n_test: int) -> None:
    """At the IT width, per checkpoint: fine-tuned IMP (best and sparsest error over
    seeds), then weight rewinding, random IMP and one-shot pruning against it by the seed
    rule (``verdicts.compare``: lower, higher or tie)."""
    for c in CHECKPOINTS:
        ft = at_checkpoint(st, c, mode="finetune")
        if not ft:
            continue
        best, last = [t.test.min() for t in ft], [t.test[-1] for t in ft]
        print(f"{c}: fine-tuned IMP best {band_text(verdicts.band(best))}, sparsest "
              f"{band_text(verdicts.band(last))} at {ft[0].params[-1]:,.0f} parameters")
        for mode in ("rewind_weights", "random"):
            other = at_checkpoint(st, c, mode=mode)
            seeds = {t.seed for t in other}
            same = [t for t in ft if t.seed in seeds]  # fine-tuning on the same seeds
            if other and same:
                b = verdicts.compare([t.test.min() for t in other],
                                     [t.test.min() for t in same], n_test)
                e = verdicts.compare([t.test[-1] for t in other], [t.test[-1] for t in same],
                                     n_test)
                print(f"  {mode.replace('_', ' '):>14} ({seeds_text(len(other))}): best "
                      f"{b.a:.3f} (vs fine-tuned: {b.outcome}), sparsest {e.a:.3f} "
                      f"({e.outcome})")
        shots = at_checkpoint(st, c, mode="one_shot")
        for size in sorted({t.params[-1] for t in shots}):
            one = [t for t in shots if t.params[-1] == size]
            imp = [t.test[j] for t in ft if t.seed in {u.seed for u in one}
                   for j in np.flatnonzero(t.params == size)]
            if not imp:
                print(f"  one-shot to {size:>7,.0f}: no IMP level of that size")
                continue
            cmp = verdicts.compare([t.test[-1] for t in one], imp, n_test)
            print(f"  one-shot to {size:>7,.0f}: {cmp.a:.3f}, fine-tuned IMP there "
                  f"{cmp.b:.3f} (vs IMP: {cmp.outcome})")


# --------------------------------------------------------------------------- learning distance


def distance_figure(st: Study, name: str = "h"):
    """Learning distance of the dense networks (band) and along the fine-tuned trajectories
    from final weights (seed means), against parameters."""
    fig, ax = plt.subplots(figsize=WIDE)
    plot_band(ax, st.params, st.distance, COLORS["dense"], label="dense")
    for label, color, trajs in final_groups(st, name):
        plot_band(ax, trajs[0].params, [t.distance for t in trajs], color, marker=".",
             label=label.replace("from", "pruned from"))
    ax.set_xscale("log")
    ax.set_xlabel("remaining parameters")
    ax.set_ylabel("learning distance")
    legend_below(ax)
    return check_legible(fig)


def distance_report(st: Study, name: str = "h") -> None:
    """Print where the dense learning distance peaks and where each trajectory's does."""
    peak = dense_distance_peak(st)
    print(f"dense networks: largest mean learning distance at {name} = {peak} "
          f"(IT {name} = {st.plan['threshold'].threshold})")
    for _, _, trajs in final_groups(st, name):
        test = np.mean([t.test for t in trajs], axis=0)
        i = distance_peak_level(trajs)
        print(f"from {name} = {trajs[0].width:>3}: largest at level {i + 1} "
              f"({trajs[0].params[i]:,.0f} parameters), test error there {test[i]:.3f}")


# --------------------------------------------------------------------------- compact sizes


def compact_report(st: Study, summaries: list, name: str = "h") -> bool:
    """Print the compact size of each width pruned from its final weights (band over
    seeds) and whether the means are comparable (span < 2 while the starts span > 4)."""
    finals = [f for f in summaries if f["checkpoint"] == "final"]
    if not finals:
        print("no trajectories from final weights")
        return False
    for f in finals:
        print(f"from {name} = {f['width']:>3} ({st.params_of(f['width']):>7,} parameters): "
              f"compact size {band_text(f['compact'], ',.0f')}")
    span, start_span, comparable = comparable_sizes(st, summaries)
    print(f"mean compact sizes span a factor {span:.1f}, starting sizes {start_span:.1f}: "
          f"{'comparable' if comparable else 'not comparable'}")
    return comparable
