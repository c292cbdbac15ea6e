# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# (chap-threshold)=
# # Pruning at the interpolation threshold (MNIST-1D)
#
# A network at its interpolation threshold (IT), the width at which it first fits its
# (noisy) training labels, sits at the peak of model-wise double descent (DD)
# {cite:p}`belkin2019reconciling,nakkiran2019deep`: it has just enough parameters to
# memorise the noise and no room to do it smoothly. This chapter asks what pruning does to
# such a network, which no published work measures directly:
#
# 1. **Does it recover?** Is a network trained at the IT a bad starting point for pruning,
#    or does pruning and retraining bring its error down, and how fast, compared with
#    networks before and after the IT?
# 2. **Does it retrace the DD curve backwards?** As it loses parameters, does its error
#    follow the dense networks' curve at equal size (and pass through the peak), or
#    another path?
# 3. **Where do sparse networks stop interpolating**, compared with dense ones?
#
# The closest prior work: {cite:t}`he2022sparse` found *sparse double descent*, test
# accuracy falling, rising and falling again as iterative magnitude pruning (IMP) of a
# network trained on noisy labels removes more weights, with the dip where the training
# accuracy leaves 1, and tracked the distance the weights travel from their initialisation;
# {cite:t}`arora2023quantifying` found that IMP from starting widths over orders of
# magnitude ends at networks of comparable size; {cite:t}`quetu2023dsd2` ask how to avoid
# the sparse DD. Each of these is checked here at this chapter's scale.
#
# The computations are the package's: the sweep `prunedd_utils.sweeps.threshold_mnist1d`
# (a dense stage, then a prune stage planned from it), the rules of the study in
# `prunedd_utils.threshold` (the IT, the checkpoints, the retrace measure), and the runs'
# stored metrics under `results/threshold_mnist1d/`, which this chapter only reads.

# %% tags=["parameters"]
widths = [2, 4, 6, 8, 10, 12, 16, 20, 24, 30, 36, 42, 50, 61, 75, 100, 150, 200, 300]
seeds = [0, 1, 2]  # seeds of the dense width sweep
n_train = 0  # training signals (0: all 4,000 of MNIST-1D)
n_test = 0  # test signals (0: all 1,000)
label_noise = 0.15  # fraction of training labels replaced by random ones
epochs = 500  # epochs of dense training (SGD, constant rate)
lr = 0.01  # SGD learning rate
momentum = 0.9  # SGD momentum
batch_size = 100  # mini-batch size
milestones = []  # epochs at which the rate drops tenfold (none: constant)
rewind_epoch = 5  # weight rewinding resets the kept weights to this epoch's
ratios = [0.25, 0.5, 1.0, 1.25, 2.5, 5.0]  # widths pruned: these multiples of the IT
prune_seeds = [0, 1, 2]  # seeds of the pruned networks
prune_fraction = 0.2  # IMP removes this fraction of the remaining weights per level
sparsity = 0.95  # IMP stops at the first level at least this sparse
retrain_epochs = 100  # retraining epochs per level
one_shot_levels = [3, 7, 10, 14]  # one-shot pruning straight to these levels' counts
tol = 0.005  # training error below this counts as zero (fits the training labels)
experiment = "threshold_mnist1d"  # folder under results/ holding the runs
cifar_preset = "cpu"  # preset of the CIFAR-10 study (sweep threshold_cifar): cpu, tiny, gpu
cifar_experiment = "threshold_cifar"  # folder under results/ holding its runs
train_missing = False  # True: train the runs that are not stored (hours on a CPU)

# %% [markdown]
# These defaults are the sweep's `cpu` preset and the stored results, computed by two
# single-thread workers with
#
# ```
# python -m prunedd_utils sweep threshold_mnist1d --backend dask --workers 2
# python -m prunedd_utils sweep threshold_mnist1d --backend dask --workers 2 -p stage=prune
# ```
#
# The second command reads the stored dense runs to decide what to prune (the IT, the
# widths around it, the checkpoints), so it can only run after the first.

# %%
import itertools

import matplotlib.pyplot as plt
import numpy as np
from myst_nb import glue

from prunedd_utils import runs, threshold, threshold_results, verdicts
from prunedd_utils.plotting import COLORS, TARGET_COLORS, check_legible, use_style
from prunedd_utils.sweeps import threshold_cifar
from prunedd_utils.sweeps import threshold_mnist1d as sweep
from prunedd_utils.sweeps import threshold_stages as stages

use_style()
params = dict(widths=widths, seeds=seeds, n_train=n_train, n_test=n_test,
              label_noise=label_noise, epochs=epochs, lr=lr, momentum=momentum,
              batch_size=batch_size, milestones=milestones, rewind_epoch=rewind_epoch,
              ratios=ratios, prune_seeds=prune_seeds, prune_fraction=prune_fraction,
              sparsity=sparsity, retrain_epochs=retrain_epochs,
              one_shot_levels=one_shot_levels, tol=tol)
study = threshold_results.load(sweep, params, experiment, run=train_missing)
plan = study.plan
n_test_signals = n_test or 1000
glue("th_seeds", len(seeds), display=False)
glue("th_widths", len(widths), display=False)
glue("th_noise", f"{label_noise:.0%}", display=False)
glue("th_epochs", epochs, display=False)
glue("th_retrain", retrain_epochs, display=False)
glue("th_n_test", f"{n_test_signals:,}", display=False)

# %% [markdown]
# ## The recipe
#
# *Data.* MNIST-1D {cite:p}`greydanus2024scaling`: one-dimensional signals of 40 samples,
# each a digit's template shifted, scaled, sheared, blurred and noised, generated by the
# `mnist1d` package with its default arguments and seed (4,000 training and 1,000 test
# signals; no download). A fixed {glue:text}`th_noise` of the training labels are replaced
# by random ones (the same ones for every run); test labels are clean.
#
# *Networks and training.* Fully connected 40–$h$–$h$–10 networks with ReLU, at
# {glue:text}`th_widths` widths $h$ from {glue:text}`th_hmin` to {glue:text}`th_hmax`,
# {glue:text}`th_seeds` seeds each, trained by SGD (rate {glue:text}`th_lr`, momentum
# {glue:text}`th_momentum`, batch {glue:text}`th_batch`) for {glue:text}`th_epochs` epochs
# {glue:text}`th_schedule`, evaluated every epoch. Each run keeps its weights after every epoch up to 10 and
# then about every 20 % of the epochs reached, so that checkpoints can be chosen after
# training.
#
# *The rules, stated before the runs.*
# - The **IT** is the narrowest width whose final training error on the noisy labels,
#   averaged over seeds, is below {glue:text}`th_tol` (`threshold.threshold_and_peak`).
#   The **peak** is the width of largest mean test error between two lower points, with
#   the range over seeds at that width.
# - **Checkpoints** of the width nearest the IT: the saved epoch of lowest test error
#   (early-stopping optimum), the first saved epoch that fits the training labels, and the
#   final epoch (`threshold.pick_checkpoints`). The other pruned widths, about
#   {glue:text}`th_ratios` times the IT, are pruned from their final weights.
# - **Pruning**: IMP removes {glue:text}`th_fraction` of the remaining weights (global
#   magnitude, all three weight matrices) per level until {glue:text}`th_sparsity` of them
#   are gone, retraining {glue:text}`th_retrain` epochs after each level with the mask
#   fixed. Retraining modes {cite:p}`renda2020comparing`: *fine-tuning* (from the pruned
#   weights, at the final rate) and *weight rewinding* (kept weights reset to epoch
#   {glue:text}`th_rewind`, then trained again). *Learning-rate rewinding* replays the last
#   epochs' rates: {glue:text}`th_lr_rewinding`. Controls: random IMP (fine-tuned) and
#   one-shot magnitude pruning straight to the counts of some IMP levels.
# - Two test errors **differ** when they are further apart than $2\sqrt{2}$ binomial
#   standard errors on {glue:text}`th_n_test` test signals ({glue:text}`th_margin_40`
#   points at a 40 % error).

# %%
glue("th_tol", f"{tol}", display=False)
glue("th_ratios", ", ".join(f"{r:g}" for r in ratios), display=False)
glue("th_fraction", f"{prune_fraction:.0%}", display=False)
glue("th_sparsity", f"{sparsity:.0%}", display=False)
glue("th_rewind", rewind_epoch, display=False)
glue("th_hmin", min(widths), display=False)
glue("th_hmax", max(widths), display=False)
glue("th_lr", f"{lr:g}", display=False)
glue("th_momentum", f"{momentum:g}", display=False)
glue("th_batch", batch_size, display=False)
glue("th_schedule", "at a constant rate" if not milestones else
     f"with the rate divided by 10 at epoch{'s' if len(milestones) > 1 else ''} "
     + ", ".join(str(m) for m in milestones), display=False)
glue("th_lr_rewinding",
     "a schedule of its own here, run as a third mode" if any(
         t.mode == "rewind_lr" for t in study.trajectories) else
     "under this constant rate they are the final rate, so it is fine-tuning here and is "
     "not run twice", display=False)
glue("th_margin_40", f"{100 * threshold_results.margin(0.4, n_test_signals):.1f}",
     display=False)

# %% [markdown]
# ## Double descent, and where the threshold is
#
# The figure shows the final test error (solid) and training error on the noisy labels
# (dashed) of the dense networks against their parameter count, the mean over seeds with a
# band from the lowest to the highest seed, and the IT (dotted). The same functions draw
# and report the CIFAR-10 study at the end of the chapter.

# %%
def band(ax, x, m, color, ls="-", label=None, marker="o"):
    """Mean over the rows of ``m`` (seeds) with a min-max band."""
    ax.plot(x, m.mean(axis=0), ls=ls, marker=marker, ms=3, color=color, label=label)
    ax.fill_between(x, m.min(axis=0), m.max(axis=0), color=color, alpha=0.2, lw=0)


def dd_figure(st, name="h"):
    """The dense double descent of study ``st`` against parameters, with its IT."""
    it = st.plan["threshold"].threshold
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    band(ax, st.params, st.test, COLORS["dense"], label="test error")
    band(ax, st.params, st.train, COLORS["dense"], ls="--", label="train error (noisy labels)")
    ax.axvline(st.params_of(it), color="tab:red", lw=1, ls=":", label=f"IT, {name} = {it}")
    ax.set_xscale("log")
    ax.set_xlabel("parameters of the dense network")
    ax.set_ylabel("error")
    ax.legend(loc="upper right")
    check_legible(fig)
    plt.show()


def threshold_report(st, tol, name="h"):
    """Print the IT, the peak with its seed range, and what the prune stage chose."""
    found = st.plan["threshold"]
    print(f"IT (mean final train error < {tol}): {name} = {found.threshold} "
          f"({st.params_of(found.threshold):,} parameters); per seed: "
          f"{', '.join(str(t) for t in found.seed_thresholds)}")
    if found.peak_width is None:
        print("no test-error peak by the rule (no rise and fall above 0.01)")
    else:
        print(f"test-error peak: {name} = {found.peak_width}, {found.peak_err:.3f} (range over "
              f"seeds {found.peak_spread:.3f}); per seed: "
              f"{', '.join(str(p) for p in found.seed_peaks)}")
    print(f"double descent by the rule (rise and fall beyond 0.01): {found.holds}")
    center = st.plan["center"]
    several = len({t.checkpoint for t in st.pick(width=center)}) > 1
    print(f"widths pruned: {', '.join(str(w) for w in st.plan['widths'])}; "
          + (f"every checkpoint at {name} = {center}" if several else "final weights"))


dd_figure(study)

# %% tags=["nbval-check-output"]
threshold_report(study, tol)
found = plan["threshold"]
glue("th_it", found.threshold, display=False)
glue("th_peak", "none" if found.peak_width is None else found.peak_width, display=False)

# %% [markdown]
# ## Checkpoints
#
# Test error against epoch for each pruned width (seed 0), with the checkpoints marked at
# the width nearest the IT. A rise after an early minimum is epoch-wise double descent
# {cite:p}`nakkiran2019deep`, or plain over-fitting of the noisy labels.

# %%
def history(width, seed=0):
    """The stored per-epoch metrics of the dense run of ``width`` and ``seed``."""
    s = next(s for s in sweep.settings(stage="dense", **params)
             if s.width == width and s.seed == seed)
    return runs.Run(s, experiment).metrics()["history"]


def width_colors(ws):
    """One colour per width, the palette repeated when there are more widths."""
    return dict(zip(ws, itertools.cycle(TARGET_COLORS)))


colors = width_colors(plan["widths"])
fig, ax = plt.subplots(figsize=(7.0, 4.0))
for w in plan["widths"]:
    h = [e for e in history(w, prune_seeds[0]) if "test_err" in e]
    ax.plot([e["epoch"] for e in h], [e["test_err"] for e in h], color=colors[w], lw=1,
            label=f"h = {w}")
picks = plan["checkpoints"][(plan["center"], prune_seeds[0])]
h = {e["epoch"]: e for e in history(plan["center"], prune_seeds[0])}
for name, e in picks.epochs().items():
    ax.plot(e, h[e]["test_err"], "kv", ms=6)
    ax.annotate(name, (e, h[e]["test_err"]), textcoords="offset points", xytext=(0, 8),
                ha="center", fontsize=9)
ax.set_xscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("test error")
ax.legend(loc="upper right", ncol=2)
check_legible(fig)
plt.show()

# %% tags=["nbval-check-output"]
for (w, seed), p in plan["checkpoints"].items():
    if w == plan["center"]:
        fit = "never" if p.interpolation is None else f"epoch {p.interpolation}"
        print(f"h = {w}, seed {seed}: optimum epoch {p.optimum} (test {p.optimum_err:.3f}), "
              f"fits the labels from {fit}, final epoch {p.final}")


# %% [markdown]
# *Epoch-wise double descent, the rule* (`threshold.epoch_peak`): on the test error against
# epoch, averaged over the seeds, the peak that maximises the smaller of its rise above the
# lowest error before it and its fall to the final error; it counts when both exceed the
# margin at the lowest error.

# %% tags=["nbval-check-output"]
def epoch_report(history_of, ws, seeds, n_test, name="h"):
    """Epoch-wise DD of the seed-mean test error of each width in ``ws``."""
    for w in ws:
        hs = [[e for e in history_of(w, s) if e.get("test_err") is not None] for s in seeds]
        ep = [e["epoch"] for e in hs[0]]
        err = np.mean([[e["test_err"] for e in h] for h in hs], axis=0)
        m = float(threshold_results.margin(err.min(), n_test))
        p = threshold.epoch_peak(ep, err, m)
        print(f"{name} = {w:>3}: lowest {err.min():.3f} at epoch {ep[int(np.argmin(err))]}, "
              f"peak at epoch {p.peak} (rise {p.rise:+.3f}, fall {p.fall:+.3f}, margin "
              f"{m:.3f}): epoch-wise DD {'yes' if p.holds else 'no'}")


epoch_report(history, plan["widths"], seeds, n_test_signals)

# %% [markdown]
# ## Pruning trajectories against the dense curve
#
# Each IMP run is a trajectory: at every level, the remaining parameters (kept weights
# plus biases) and the test error after retraining. The figure shows the fine-tuned
# trajectories from the final weights of each pruned width, starting at the dense network
# (open circle), on the dense DD curve (black, mean over seeds).

# %%
def seed_band(trajs, key):
    """Remaining parameters, and ``key`` (test or train) per seed, of trajectories of one
    width and checkpoint (the same levels), each preceded by the dense network it prunes."""
    start = 1 if key == "test" else 2
    x = np.concatenate([[trajs[0].start[0]], trajs[0].params])
    return x, np.array([[t.start[start], *getattr(t, key)] for t in trajs])


def trajectory_figure(st, groups):
    """IMP trajectories over the dense curve, mean over seeds with a min-max band, the
    dense start as an open circle: (a) test error, (b) training error. ``groups``: a list
    of (label, colour, trajectories of one width and checkpoint)."""
    fig, axes = plt.subplots(2, 1, figsize=(7.0, 7.5), sharex=True)
    for ax, key, title in ((axes[0], "test", "(a) test error"),
                           (axes[1], "train", "(b) training error on the noisy labels")):
        band(ax, st.params, getattr(st, key), COLORS["dense"], marker="", label="dense")
        for label, color, trajs in groups:
            x, m = seed_band(trajs, key)
            band(ax, x, m, color, marker=".", label=label)
            ax.plot(x[0], m[:, 0].mean(), "o", mfc="none", ms=8, color=color)
        ax.set_xscale("log")
        ax.set_title(title)
    axes[1].set_xlabel("remaining parameters")
    axes[0].legend(loc="upper right", ncol=2)
    check_legible(fig)
    plt.show()


def final_groups(st, name="h"):
    """The fine-tuned trajectories from the final weights of each pruned width."""
    cols = width_colors(st.plan["widths"])
    return [(f"from {name} = {w}", cols[w], st.pick(mode="finetune", final=True, width=w))
            for w in st.plan["widths"]]


trajectory_figure(study, final_groups(study))

# %% [markdown]
# At the width nearest the IT, the same for each checkpoint (fine-tuned), with weight
# rewinding and random pruning from the final weights.

# %%
def checkpoint_groups(st):
    """At the IT width: fine-tuned IMP from each checkpoint, and the other modes from the
    final weights."""
    c = st.plan["center"]
    out = []
    for i, name in enumerate(stages.CHECKPOINTS):
        trajs = [t for t in st.pick(width=c, mode="finetune")
                 if name in t.checkpoint.split("+")]
        if trajs:
            out.append((f"{name}, fine-tuned", TARGET_COLORS[i], trajs))
    for i, mode in enumerate(("rewind_weights", "random"), start=3):
        trajs = st.pick(width=c, mode=mode, final=True)
        if trajs:
            out.append((f"final, {mode.replace('_', ' ')}", TARGET_COLORS[i], trajs))
    return out


trajectory_figure(study, checkpoint_groups(study))

# %% [markdown]
# **Recovery and retracing: the rules** (`threshold_results.findings`). For a trajectory
# with start error $e_0$ (the dense network it prunes), *recovery* is its lowest error over
# the levels minus $e_0$; it *recovers* when that is below $-m(e_0)$, the margin above, and
# *how fast* is the first level at which it is. *Retracing*: the gap between the trajectory
# and the dense curve interpolated (in log parameters) at the same size, averaged over the
# levels inside the dense range (`threshold.retrace`). The trajectory *follows* the dense
# curve when the mean gap is within the margin, runs *below* or *above* it otherwise; it
# shows a *sparse DD* when it has a rise and fall of its own beyond the margin, and passes
# *through the dense peak* when that peak is within a factor 2 in parameters of the dense
# one. The *sparse IT* is the fewest remaining parameters at which every level so far still
# fits the noisy training labels (training error below {glue:text}`th_tol`,
# `threshold.sparse_threshold`), as a multiple of the dense IT's parameters.

# %%
def band_text(b, fmt=".3f"):
    """A band (mean, min, max) over seeds as 'mean [min, max]'."""
    return f"{b[0]:{fmt}} [{b[1]:{fmt}}, {b[2]:{fmt}}]"


def findings_report(summaries, name="h"):
    """Print, per pruned width and checkpoint, the findings over its seeds."""
    for f in summaries:
        n = len(f["seeds"])
        rec = f["recovery"]
        levels = ", ".join("-" if a is None else str(a) for a in f["recovers_at"])
        fit = ("no seed fits at its first level" if f["sparse_it_ratio"] is None else
               f"fits down to {band_text(f['sparse_it_ratio'], '.2f')} x IT ({f['fits']} of "
               f"{n} seeds fit at first)")
        gap = "-" if f["mean_gap"] is None else band_text(f["mean_gap"], "+.3f")
        print(f"{name} = {f['width']:>3} {f['checkpoint']:>13} ({n} seed{'s' * (n > 1)}): start "
              f"{band_text(f['start'])}, best {band_text(f['best'])}: best {rec.outcome} "
              f"than start (margin {rec.margin:.3f}; first level below start - m: {levels})")
        print(f"{'':>20}dense curve: {f['where']}, gap {gap}; sparse DD in "
              f"{f['sparse_dd']} of {n}, through the dense peak in {f['through_peak']} of "
              f"{n}; {fit}")


# %% tags=["nbval-check-output"]
found_rows = threshold_results.findings(study, n_test_signals, tol)
summaries = threshold_results.summarize(found_rows, n_test_signals)
findings_report(summaries)

# %% [markdown]
# ## The retraining modes and the controls, at the threshold
#
# For the width nearest the IT, from each checkpoint: the lowest test error over the
# levels and the error at the sparsest level of fine-tuned IMP (mean and range over
# seeds); then weight rewinding and random IMP, and one-shot pruning (a single pruning, to
# the size of an IMP level), each against fine-tuned IMP by the book's seed rule
# (`verdicts.compare`: *lower*, *higher* or a *tie*).

# %% tags=["nbval-check-output"]
def at_checkpoint(st, name, **equal):
    """The trajectories of the IT width that prune checkpoint ``name``."""
    return [t for t in st.pick(width=st.plan["center"], **equal)
            if name in t.checkpoint.split("+")]


def modes_report(st, n_test):
    """At the IT width, per checkpoint: fine-tuned IMP, then each other mode and one-shot
    pruning against it by the seed rule (lower, higher or tie)."""
    for name in stages.CHECKPOINTS:
        ft = at_checkpoint(st, name, mode="finetune")
        if not ft:
            continue
        best, last = [t.test.min() for t in ft], [t.test[-1] for t in ft]
        print(f"{name}: fine-tuned IMP best {band_text(verdicts.band(best))}, sparsest "
              f"{band_text(verdicts.band(last))} at {ft[0].params[-1]:,.0f} parameters")
        for mode in ("rewind_weights", "random"):
            other = at_checkpoint(st, name, mode=mode)
            if other:
                b = verdicts.compare([t.test.min() for t in other], best, n_test)
                e = verdicts.compare([t.test[-1] for t in other], last, n_test)
                print(f"  {mode.replace('_', ' '):>14}: best {b.a:.3f} ({b.outcome}), "
                      f"sparsest {e.a:.3f} ({e.outcome})")
        for size in sorted({t.params[-1] for t in at_checkpoint(st, name, mode="one_shot")}):
            one = [t.test[-1] for t in at_checkpoint(st, name, mode="one_shot")
                   if t.params[-1] == size]
            imp = [t.test[j] for t in ft for j in np.flatnonzero(t.params == size)]
            c = verdicts.compare(one, imp, n_test)
            print(f"  one-shot to {size:>7,.0f}: {c.a:.3f}, IMP there {c.b:.3f} ({c.outcome})")


modes_report(study, n_test_signals)

# %% [markdown]
# ## How far the weights travel
#
# The learning distance $\lVert\theta-\theta_0\rVert_2$ of the kept weights from their
# initialisation {cite:p}`he2022sparse`, at every level of the fine-tuned trajectories,
# and of the dense networks.

# %%
fig, ax = plt.subplots(figsize=(7.0, 4.0))
band(ax, study.params, study.distance, COLORS["dense"], label="dense")
for t in study.pick(mode="finetune", final=True):
    ax.plot(t.params, t.distance, marker=".", lw=1, color=colors[t.width],
            label=f"pruned from h = {t.width}")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("remaining parameters")
ax.set_ylabel("learning distance")
ax.legend(loc="lower right", ncol=2)
check_legible(fig)
plt.show()

# %% tags=["nbval-check-output"]
peak_dist = study.widths[int(np.argmax(study.distance.mean(axis=0)))]
print(f"dense networks: largest mean learning distance at h = {peak_dist} "
      f"(IT h = {found.threshold})")
for t in study.pick(mode="finetune", final=True):
    i = int(np.argmax(t.distance))
    print(f"from h = {t.width:>3}: largest at level {i + 1} ({t.params[i]:,.0f} "
          f"parameters), test error there {t.test[i]:.3f}")

# %% [markdown]
# ## Do trajectories from different widths end at comparable sizes?
#
# {cite:t}`arora2023quantifying` report that IMP from starting widths over orders of
# magnitude reaches networks of comparable size. The measure here: the fewest remaining
# parameters whose test error is within the margin of the trajectory's best
# (`threshold.compact_size`); sizes are *comparable* when they span less than a factor of
# 2 while the starting sizes span more than a factor of 4.

# %%
def compact_report(st, summaries, name="h"):
    """Print the compact size of each width pruned from its final weights (mean and range
    over seeds), and the verdict on the means."""
    finals = [f for f in summaries if f["checkpoint"] == "final"]
    for f in finals:
        print(f"from {name} = {f['width']:>3} ({st.params_of(f['width']):>7,} parameters): "
              f"compact size {band_text(f['compact'], ',.0f')}")
    sizes = [f["compact"][0] for f in finals]
    starts = [st.params_of(f["width"]) for f in finals]
    span, start_span = max(sizes) / min(sizes), max(starts) / min(starts)
    print(f"mean compact sizes span a factor {span:.1f}, starting sizes {start_span:.1f}: "
          f"{'comparable' if span < 2 and start_span > 4 else 'not comparable'}")


# %% tags=["nbval-check-output"]
compact_report(study, summaries)

# %% [markdown]
# ## The medium data set: CIFAR-10
#
# The same study at a reduced scale on CIFAR-10 {cite:p}`krizhevsky2009learning` (the
# sweep `threshold_cifar`, preset {glue:text}`thc_preset`): ResNet-20 of width $k$ (stages
# of $k$, $2k$, $4k$ channels) at {glue:text}`thc_widths` widths from $k$ =
# {glue:text}`thc_kmin` to {glue:text}`thc_kmax`, on a seeded subset of
# {glue:text}`thc_n_train` training images with {glue:text}`thc_noise` of their labels
# replaced, without augmentation (so that the networks can fit the noisy labels within the
# budget), trained with Adam at a constant rate of {glue:text}`thc_lr` for
# {glue:text}`thc_epochs` epochs, {glue:text}`thc_seeds` seeds, and evaluated on
# {glue:text}`thc_n_test` test images every {glue:text}`thc_eval` epochs. The widths
# around the IT are pruned from {glue:text}`thc_checkpoints` by IMP removing
# {glue:text}`thc_fraction` of the remaining weights per level to {glue:text}`thc_sparsity`
# sparsity with {glue:text}`thc_retrain` retraining epochs per level, retrained by
# {glue:text}`thc_modes`, with random IMP and one-shot pruning as controls. The same rules
# decide. The hard data set, CIFAR-100, is a `gpu` preset of the same sweep
# (`--preset gpu_cifar100`), and the stored results do not include it.

# %%
cifar_params = dict(threshold_cifar.PRESETS[cifar_preset])
cifar_all = stages.all_params(threshold_cifar.settings, cifar_params)
cifar_run = threshold_cifar.settings(**cifar_params)[0]
cifar_n_test = cifar_run.n_test or 10000
cifar_tol = cifar_all["tol"]
cifar = threshold_results.load(threshold_cifar, cifar_params, cifar_experiment,
                               run=train_missing)
glue("thc_preset", cifar_preset, display=False)
glue("thc_widths", len(cifar.widths), display=False)
glue("thc_n_train", f"{cifar_run.n_train or 50000:,}", display=False)
glue("thc_noise", f"{cifar_run.label_noise:.0%}", display=False)
glue("thc_epochs", cifar_run.epochs, display=False)
glue("thc_seeds", len(cifar.seeds), display=False)
glue("thc_n_test", f"{cifar_n_test:,}", display=False)
glue("thc_retrain", cifar_all["retrain_epochs"], display=False)
glue("thc_kmin", min(cifar.widths), display=False)
glue("thc_kmax", max(cifar.widths), display=False)
glue("thc_lr", f"{cifar_all['lr']:g}", display=False)
glue("thc_eval", cifar_all["eval_every"], display=False)
glue("thc_fraction", f"{cifar_all['prune_fraction']:.0%}", display=False)
glue("thc_sparsity", f"{cifar_all['sparsity']:.0%}", display=False)
glue("thc_checkpoints", "their final weights only" if tuple(cifar_all["checkpoints"]) == (
    "final",) else "the checkpoints " + ", ".join(cifar_all["checkpoints"]) + " (at the IT)",
     display=False)
glue("thc_modes", " and ".join(m.replace("_", " ") for m in cifar_all["modes"]),
     display=False)
dd_figure(cifar, "k")

# %% tags=["nbval-check-output"]
threshold_report(cifar, cifar_tol, "k")

# %%
trajectory_figure(cifar, final_groups(cifar, "k"))

# %% tags=["nbval-check-output"]
cifar_rows = threshold_results.findings(cifar, cifar_n_test, cifar_tol)
cifar_summaries = threshold_results.summarize(cifar_rows, cifar_n_test)
findings_report(cifar_summaries, "k")
compact_report(cifar, cifar_summaries, "k")
