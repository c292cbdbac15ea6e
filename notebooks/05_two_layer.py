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
# (chap-two-layer)=
# # Train wide and prune: two-layer networks on Fashion-MNIST
#
# The linear chapters answer the question "train small, or train large and prune?" in closed
# form. This chapter asks it of the simplest neural network, a fully connected net with one
# hidden layer, as the paper's Fig. 6 does on MNIST. Following the thesis project, which
# asks for a simple data set that is not MNIST, we use Fashion-MNIST
# {cite:p}`xiao2017fashion`: 28×28 grey-scale images of ten kinds of clothing, harder than
# digits and the same shape. We
#
# 1. train dense networks of hidden widths from 1 to a few hundred units;
# 2. prune each one by global weight magnitude to the weight count of a narrower *base*
#    network, and retrain it with the mask fixed;
# 3. compare with controls: random pruning to the same count, no retraining, the base
#    network trained as many epochs as dense training and retraining together, and a base
#    network with as many trainable parameters as the pruned one;
# 4. repeat with 20 % label noise, where dense networks are known to show model-wise
#    double descent {cite:p}`belkin2019reconciling,nakkiran2019deep`, and look for it in
#    dense and in pruned networks;
# 5. do all of it for three seeds, and decide every claim by a rule stated before the
#    results are read.
#
# The training runs are computed by the package (the sweep
# `prunedd_utils.sweeps.two_layer`) and stored under `results/two_layer/`, one folder per
# run, named by a hash of its settings. This chapter only asks the run store for them:
# building it takes seconds when the runs exist, and a reader who changes a parameter below
# gets the missing runs trained (and stored).

# %% tags=["parameters"]
widths = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]  # hidden widths h of the dense networks
base_widths = [8, 32]  # prune to the weight count of these widths (the paper's base models)
label_noise = [0.0, 0.2]  # fractions of corrupted training labels
random_noise = [0.0, 0.2]  # noise levels at which the random-pruning control is trained too
n_train = 4000  # training images (a seeded random subset of the 60,000)
epochs = 100  # epochs of dense training, and again of retraining
seeds = [0, 1, 2]  # initialisation / batch-order seeds
lr = 1e-3  # Adam learning rate (constant)
batch_size = 128  # mini-batch size
eval_every = 5  # test-set evaluation every this many epochs
controls = True  # also train the equal-budget and parameter-matched base networks
experiment = "two_layer"  # folder under results/ holding the runs
threads = 1  # torch CPU threads when runs must be trained (1 is fastest for these sizes)

# %% [markdown]
# These defaults are the sweep's `cpu` preset and the stored results:
# {glue:text}`tl_runs` runs, {glue:text}`tl_cpu_hours` hours of one CPU core in all
# (the cell below prints it), produced on two single-thread workers by
#
# ```
# python -m prunedd_utils sweep two_layer --backend dask --workers 2
# ```
#
# (resumable: a killed sweep continues where it stopped). The `gpu` preset is a larger
# version, with the full training set, wider networks and five seeds: train it with
# `python -m prunedd_utils sweep two_layer --preset gpu`, then execute this chapter with
# the same parameters,
#
# ```
# papermill notebooks/05_two_layer.ipynb out.ipynb -p n_train 60000 -p epochs 300 \
#   -y "widths: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]" \
#   -y "seeds: [0, 1, 2, 3, 4]" -p threads 0
# ```

# %%
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter
from myst_nb import glue

from prunedd_utils import double_descent as dd
from prunedd_utils import runs, runtime, verdicts
from prunedd_utils.neural import models
from prunedd_utils.plotting import check_legible, shared_legend, use_style, width_panel
from prunedd_utils.sweeps import two_layer as sweep

use_style()

# %% [markdown]
# ## The model and its pruned versions
#
# The network maps an image $x\in\mathbb R^{d}$ ($d=784$ pixels) to $C=10$ class scores,
#
# $$
# f(x) = W_2\,\mathrm{ReLU}(W_1 x + b_1) + b_2,\qquad
# W_1\in\mathbb R^{h\times d},\; W_2\in\mathbb R^{C\times h},
# $$ (eq-two-layer)
#
# with $(d+1)h + (h+1)C$ parameters, of which $N_h = (d + C)\,h$ are the weights that
# pruning acts on (biases stay dense). Both weight matrices grow linearly in $h$, so
# pruning a network of width $h$ to the weight count of a base width $b<h$ keeps
#
# $$
# N_b = (d+C)\,b \quad\text{weights, a density of}\quad \frac{N_b}{N_h} = \frac{b}{h}.
# $$ (eq-two-layer-density)
#
# *Magnitude pruning* keeps the $N_b$ weights of largest absolute value over both layers
# together (one global threshold), as in {cite:p}`han2015learning`; *random pruning* keeps
# $N_b$ weights drawn uniformly. *Retraining* starts from the kept trained weights and runs
# Adam {cite:p}`kingma2015adam` afresh for as many epochs as dense training did, with the
# pruned weights held at exactly zero (their gradients are zeroed and the mask is
# re-applied after every step, so Adam's moments cannot revive them). "No retraining" is
# the pruned network evaluated as it is.
#
# *Two controls for a fair comparison.* A pruned network has been trained twice as long as
# the base network it is compared with (dense training, then retraining), and it keeps all
# $h + C$ biases of its wide parent trainable, $h-b$ more than the base. So every base width
# $b$ also gets (i) an *equal-budget* base, trained for twice the epochs, and (ii) a
# *parameter-matched* base, the narrowest dense network with at least as many parameters
# as the widest parent pruned to $b$ keeps trainable (`sweep.matched_width`). The cell
# below prints the counts.
#
# *Label noise* at rate $\eta$ replaces the labels of exactly $\eta n$ training images,
# drawn at random, by a class drawn uniformly among the nine *other* classes (the
# convention of {cite:t}`nakkiran2019deep`). The test labels are clean. We report the train
# error against the labels used for training, so a train error of zero means the network
# has memorised the wrong labels too.

# %%
settings = sweep.settings(
    widths=widths, base_widths=base_widths, label_noise=label_noise,
    random_noise=random_noise, n_train=n_train, epochs=epochs, seeds=seeds, lr=lr,
    batch_size=batch_size, eval_every=eval_every, controls=controls,
)
rows = runs.sweep(settings, experiment, threads=threads)  # trains only what is not stored
main = [r for r in rows if r["width"] in widths and r["epochs"] == epochs]  # the sweep
cpu_hours = sum(r["seconds"] for r in rows) / 3600
print(f"{len(rows)} runs, {cpu_hours:.1f} h of training; device {runtime.device()}")
glue("tl_runs", len(rows), display=False)
glue("tl_cpu_hours", f"{cpu_hours:.1f}", display=False)

# %% [markdown]
# ## Scale of the experiment
#
# The printed cell below states the scale exactly: {glue:text}`tl_n_train` training images
# (a seeded subset of Fashion-MNIST's 60,000, real 28×28 inputs, standardised, no
# augmentation), the full 10,000-image test set, widths $h$ from {glue:text}`tl_hmin` to
# {glue:text}`tl_hmax` in factors of two (the widest network has {glue:text}`tl_params_max`
# parameters), base widths {glue:text}`tl_bases`, Adam with a constant learning rate and
# batch {glue:text}`tl_batch` for {glue:text}`tl_epochs` epochs, cross-entropy,
# {glue:text}`tl_seeds` seeds, on the CPU.

# %% tags=["nbval-check-output"]
D, C = sweep.INPUTS, sweep.CLASSES
H = max(widths)
print(f"train images {n_train}, test images 10000, epochs {epochs}, seeds {list(seeds)}")
print(f"widths {list(widths)}; base widths {list(base_widths)}")
print(f"parameters at the widest width: {models.parameter_count(models.two_layer(H))}")
for b in base_widths:
    kept = (D + C) * b
    base = models.parameter_count(models.two_layer(b))
    m = sweep.matched_width(b, H)
    print(f"b={b}: keeps {kept} weights; trainable: base {base}, pruned {kept + H + C} "
          f"(+{(kept + H + C) / base - 1:.1%}), h={m} base "
          f"{models.parameter_count(models.two_layer(m))}")
glue("tl_n_train", f"{n_train:,}", display=False)
glue("tl_hmin", min(widths), display=False)
glue("tl_hmax", H, display=False)
glue("tl_params_max", f"{models.parameter_count(models.two_layer(H)):,}", display=False)
glue("tl_bases", " and ".join(f"$b={b}$" for b in base_widths), display=False)
glue("tl_batch", batch_size, display=False)
glue("tl_epochs", epochs, display=False)
glue("tl_seeds", len(seeds), display=False)

# %% [markdown]
# (sec-two-layer-rules)=
# ## How the results are read, fixed before reading them
#
# *One number per run.* With a constant learning rate the test error of one network moves
# by a point or more from one evaluation to the next (under label noise most of all), so a
# run's test error is the mean over its last four evaluations (the last
# {glue:text}`tl_late_epochs` epochs), and every curve is the mean over the seeds, with a
# band from the lowest to the highest seed.
#
# *Comparisons.* A pruned network *beats* the network it is compared with when its error is
# lower by more than twice the larger uncertainty of the two, an uncertainty being half
# the seed range or $\sqrt2$ binomial standard errors on 10,000 test images, whichever is
# larger (`prunedd_utils.verdicts`); it *loses* when it is higher by as much, and the two
# *tie* otherwise.
#
# *Double descent.* The interpolation threshold is the narrowest width whose train error,
# noisy labels included, is below 1 % (mean over seeds). The bottom of the first descent is
# the first width whose test error is not above its right neighbour's, the peak the
# highest test error after it and before the widest width. Double descent *holds* when the
# peak is above both the bottom and the widest width by more than 0.01 *and* by more than
# the largest seed range at those three widths (`prunedd_utils.double_descent.find_peak`
# with `beyond_spread=True`).

# %%
glue("tl_late_epochs", min(epochs, 4 * eval_every), display=False)
YTICKS = ([0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8],  # for a wide range
          [0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.22, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8])


def log_errors(ax):
    """A log error axis labelled in plain numbers (small effects stay visible)."""
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    coarse, fine = ([t for t in ticks if low <= t <= high] for ticks in YTICKS)
    ax.yaxis.set_major_locator(FixedLocator(coarse if len(coarse) >= 3 else fine))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(ScalarFormatter())


def control_lines(ax, noise):
    """Each base width's dense network (dash-dot) and its equal-budget version (dotted)."""
    colors = dict(zip(base_widths, ("tab:red", "tab:green", "tab:purple"), strict=False))
    for b in base_widths:
        for n_epochs, ls in ((epochs, "-."), (2 * epochs, ":")):
            v = [r["late_test_err"] for r in runs.select(rows, prune="none", width=b,
                                                         epochs=n_epochs, label_noise=noise)]
            if v:
                ax.axhline(np.mean(v), color=colors[b], ls=ls, lw=1,
                           label=f"dense h={b}, {n_epochs} epochs")


def plot_panels(noise: float, title: str):
    """The paper's Fig. 6 for one label-noise level, with seed bands and the controls."""
    fig, axes = plt.subplots(2, 2, figsize=(7.5, 6.6), sharex=True)
    sel = dict(label_noise=noise, targets=base_widths, legend=False, xlabel="")
    width_panel(axes[0, 0], main, keys=("late_test_err",), title="(a) test error", **sel)
    control_lines(axes[0, 0], noise)
    width_panel(axes[0, 1], main, keys=("train_err",), title="(b) train error", **sel)
    width_panel(axes[1, 0], main, methods=("magnitude", "random"), dense=False,
                keys=("late_test_err",), title="(c) random pruning", **sel)
    width_panel(axes[1, 1], main, keys=("late_test_err", "pruned_test_err"), dense=False,
                title="(d) no retraining", **sel)
    for ax in (axes[0, 0], axes[1, 0], axes[1, 1]):
        log_errors(ax)
        ax.set_ylabel("test error")
    axes[0, 1].set_ylabel("train error")
    for ax in axes.ravel():
        ax.set_xticks(widths, [str(w) for w in widths])
    for ax in axes[1]:
        ax.set_xlabel("width h of the dense network")
        ax.tick_params(axis="x", labelrotation=90)
    fig.suptitle(title)
    fig.tight_layout()
    shared_legend(fig, axes.ravel(), ncol=2)
    return check_legible(fig)


# %% [markdown]
# ## Clean labels
#
# The figure shows, against the width $h$ of the dense network that was trained first,
# (a) the test error of the dense networks (black) and of the networks magnitude-pruned to
# each base width and retrained (one colour per base width), on a log scale, with each
# base network as a dash-dot line and its equal-budget version as a dotted line; (b) their
# train errors; (c) magnitude (squares) against random (triangles) pruning; (d) retrained
# (solid) against not retrained (dotted). A pruned curve starts at $h=b$'s right
# neighbour: at $h=b$ there is nothing to prune, and its value *is* the dense base model.

# %%
plot_panels(0.0, f"Fashion-MNIST, {n_train} images, clean labels")
plt.show()


# %% [markdown]
# The deciding numbers, for each base width $b$: the network pruned from the widest parent
# (magnitude, retrained) against the base network, the equal-budget base and the
# parameter-matched base; then against random pruning to the same count and against the
# same network not retrained. Errors in %, mean over seeds, with the margin the rule needs.


# %%
def errors(noise, width, prune="none", base=0, key="late_test_err", n_epochs=None):
    """Per-seed values of ``key`` of one configuration (empty when it is not in the sweep)."""
    return [r[key] for r in runs.select(rows, label_noise=noise, width=width, prune=prune,
                                        base_width=base, epochs=n_epochs or epochs)]


WORD = {"lower": "beats", "higher": "loses to", "tie": "ties"}


def pct(values, digits=1):
    """The mean of per-seed errors in %, as text for the prose ("-" when none are stored)."""
    return f"{100 * np.mean(values):.{digits}f} %" if values else "-"


def judge(name, a, b):
    """One verdict line: ``a`` (pruned) against ``b``; returns the outcome word."""
    c = verdicts.compare(a, b, 10_000)
    print(f"  {WORD[c.outcome]:<8} {name:<24} {100 * c.a:5.1f} vs {100 * c.b:5.1f} "
          f"(margin {100 * c.margin:.1f})")
    return WORD[c.outcome]


def report(noise):
    """The verdicts of one noise level; returns them keyed by (base, comparison)."""
    out = {}
    for b in [b for b in base_widths if b < H]:
        pruned = errors(noise, H, "magnitude", b)
        print(f"b={b}, pruned from h={H} (magnitude, retrained):")
        out[b, "base"] = judge("the base network", pruned, errors(noise, b))
        if controls:
            out[b, "budget"] = judge("the equal-budget base", pruned,
                                     errors(noise, b, n_epochs=2 * epochs))
            m = sweep.matched_width(b, H)
            out[b, "matched"] = judge(f"the matched base (h={m})", pruned, errors(noise, m))
        if noise in random_noise:
            out[b, "random"] = judge("random pruning", pruned, errors(noise, H, "random", b))
            if noise > 0:
                fit = [100 * np.mean(errors(noise, H, m, b, "train_err"))
                       for m in ("magnitude", "random")]
                print(f"  train error (noisy labels): magnitude {fit[0]:.1f} %, "
                      f"random {fit[1]:.1f} %")
        out[b, "raw"] = judge("no retraining", pruned,
                              errors(noise, H, "magnitude", b, "pruned_test_err"))
    return out


def peak(name, noise, **equal):
    """The double-descent rule on one curve over seeds; prints and returns the result."""
    xs = sorted({r["width"] for r in runs.select(main, label_noise=noise, **equal)})
    y = runs.seed_matrix(main, "width", "late_test_err", xs, seeds, label_noise=noise, **equal)
    t = runs.seed_matrix(main, "width", "train_err", xs, seeds, label_noise=noise, **equal)
    r = dd.find_peak(xs, y, t, min_change=0.01, beyond_spread=True)
    where = f"interpolates from h={r.threshold}" if r.threshold else "never interpolates"
    if r.peak is None:
        print(f"{'holds' if r.holds else 'no DD'}: {name}: no rise after the first descent")
    else:
        print(f"{'holds' if r.holds else 'no DD'}: {name}: rise {r.rise:.3f} to h={xs[r.peak]}"
              f", fall {r.fall:.3f}, seed range {r.peak_spread:.3f}")
    print(f"  {where} (train error below 1 %)")
    return r


# %% tags=["nbval-check-output"]
clean = report(0.0)
clean_dd = peak("dense, clean", 0.0, prune="none")

# %%
for (b, what), word in clean.items():
    glue(f"tl_clean_{b}_{what}", word, display=False)
for b in base_widths:
    glue(f"tl_clean_base_{b}", pct(errors(0.0, b)), display=False)
    glue(f"tl_clean_budget_{b}", pct(errors(0.0, b, n_epochs=2 * epochs)),
         display=False)
    glue(f"tl_clean_pruned_{b}", pct(errors(0.0, H, 'magnitude', b)),
         display=False)
    glue(f"tl_clean_random_{b}", pct(errors(0.0, H, 'random', b)),
         display=False)
    glue(f"tl_clean_raw_{b}",
         pct(errors(0.0, H, 'magnitude', b, 'pruned_test_err')),
         display=False)
    random_train = max(np.mean(errors(0.0, h, "random", b, "train_err"))
                       for h in widths if h > b)
    glue(f"tl_clean_random_train_{b}", f"{100 * random_train:.1f} %", display=False)
glue("tl_clean_dd", "holds" if clean_dd.holds else "does not hold", display=False)
glue("tl_H", H, display=False)
glue("tl_dense_first", pct(errors(0.0, min(widths))), display=False)
glue("tl_dense_last", pct(errors(0.0, H)), display=False)

# %% [markdown]
# **What the clean-label figure shows.** With clean labels the dense test error falls
# from {glue:text}`tl_dense_first` at $h=1$ to {glue:text}`tl_dense_last` at
# $h=$ {glue:text}`tl_H`, and double descent {glue:text}`tl_clean_dd` by the rule: as the
# paper found on MNIST, clean labels give no peak. Pruning the widest network by
# magnitude to the weight count of $b=8$ and retraining it reaches
# {glue:text}`tl_clean_pruned_8`: it {glue:text}`tl_clean_8_base` the base network
# ({glue:text}`tl_clean_base_8`), {glue:text}`tl_clean_8_budget` the base trained twice as
# long ({glue:text}`tl_clean_budget_8`) and {glue:text}`tl_clean_8_matched` the
# parameter-matched base. At $b=32$ it reaches {glue:text}`tl_clean_pruned_32` and
# {glue:text}`tl_clean_32_base` the base ({glue:text}`tl_clean_base_32`),
# {glue:text}`tl_clean_32_budget` the equal-budget base ({glue:text}`tl_clean_budget_32`)
# and {glue:text}`tl_clean_32_matched` the matched one: neither the longer training nor the
# extra biases explain the advantage. Against random pruning to the same count, magnitude
# pruning {glue:text}`tl_clean_8_random` it at $b=8$ and {glue:text}`tl_clean_32_random` it
# at $b=32$ ({glue:text}`tl_clean_random_8` and {glue:text}`tl_clean_random_32` from the
# widest parent), and at density $b/h$ the random network can lose
# the ability to fit the training set (train error up to
# {glue:text}`tl_clean_random_train_8` at $b=8$). Without retraining the pruned network is
# far worse ({glue:text}`tl_clean_raw_8` and {glue:text}`tl_clean_raw_32`). These are the
# observations of the paper's Fig. 6 (a)-(c), now with three seeds and both controls.

# %% [markdown]
# ## With 20 % label noise: looking for double descent
#
# Model-wise double descent is the test error rising as the network grows towards the
# width at which it can just fit every training label (the *interpolation threshold*),
# then falling again beyond it {cite:p}`belkin2019reconciling`. Label noise makes the peak
# pronounced, because near the threshold the network can fit the wrong labels only by
# bending its function everywhere {cite:p}`nakkiran2019deep`. The same panels, with 20 %
# of the training labels corrupted:

# %%
if 0.2 in label_noise:
    plot_panels(0.2, f"Fashion-MNIST, {n_train} images, 20 % label noise")
    plt.show()

# %% [markdown]
# The verdicts of the rules of {ref}`sec-two-layer-rules`, for the dense networks and for
# the networks pruned to each base width (as a curve over the parent's width), then the
# comparisons of the clean case, and the best test error reached *during* dense training
# (mean over seeds), which shows how much of the final error is memorised noise.

# %% tags=["nbval-check-output"]
noisy_levels = [n for n in label_noise if n > 0]
noisy, noisy_dd, best = {}, {}, {}
for noise in noisy_levels:
    noisy_dd["dense"] = peak(f"dense, noise {noise}", noise, prune="none")
    for b in base_widths:
        noisy_dd[b] = peak(f"pruned to b={b}, noise {noise}", noise, prune="magnitude",
                           base_width=b)
    noisy = report(noise)
    print(f"dense, noise {noise}: final and best-during-training test error (%):")
    for w in widths:
        hist = [runs.Run(s, experiment).metrics()["history"] for s in settings
                if s.width == w and s.label_noise == noise and not s.is_pruned
                and s.epochs == epochs]
        best[w] = np.mean([dd.best_epoch(h)[0] for h in hist])
        print(f"  h={w:<4} final {100 * np.mean(errors(noise, w)):5.1f}, "
              f"best {100 * best[w]:5.1f}")

# %%
if noisy_levels:
    nd = noisy_dd["dense"]
    glue("tl_noisy_dd", "holds" if nd.holds else "does not hold", display=False)
    glue("tl_noisy_threshold", str(nd.threshold), display=False)
    glue("tl_noisy_bottom", f"{100 * nd.err[nd.bottom]:.1f} %" if nd.bottom is not None
         else "none", display=False)
    glue("tl_noisy_bottom_h", str(nd.widths[nd.bottom]) if nd.bottom is not None
         else "none", display=False)
    glue("tl_noisy_peak", f"{100 * nd.err[nd.peak]:.1f} %" if nd.peak is not None else "none",
         display=False)
    glue("tl_noisy_peak_h", str(nd.widths[nd.peak]) if nd.peak is not None else "none",
         display=False)
    glue("tl_noisy_last", f"{100 * nd.err[-1]:.1f} %", display=False)
    glue("tl_noisy_spread", f"{100 * nd.peak_spread:.1f}", display=False)
    glue("tl_noisy_rise", f"{100 * nd.rise:.1f}", display=False)
    glue("tl_noisy_fall", f"{100 * nd.fall:.1f}", display=False)
    wide = [w for w in widths if w >= 8]
    glue("tl_best_range", f"{100 * min(best[w] for w in wide):.0f}-"
         f"{100 * max(best[w] for w in wide):.0f} %", display=False)
    for b in base_widths:
        glue(f"tl_noisy_dd_{b}", "holds" if noisy_dd[b].holds else "does not hold",
             display=False)
        glue(f"tl_noisy_base_{b}", pct(errors(0.2, b)), display=False)
        glue(f"tl_noisy_pruned_{b}", pct(errors(0.2, H, 'magnitude', b)),
             display=False)
        glue(f"tl_noisy_random_{b}", pct(errors(0.2, H, 'random', b)),
             display=False)
        for m in ("magnitude", "random"):
            glue(f"tl_noisy_train_{m}_{b}",
                 pct(errors(0.2, H, m, b, 'train_err'), 0), display=False)
        glue(f"tl_noisy_budget_{b}", pct(errors(0.2, b, n_epochs=2 * epochs)),
             display=False)
    for (b, what), word in noisy.items():
        glue(f"tl_noisy_{b}_{what}", word, display=False)

# %% [markdown]
# **What the noisy-label figure shows.** With 20 % of the labels corrupted, the dense test
# error (mean over seeds, late in training) falls to {glue:text}`tl_noisy_bottom` at
# $h=$ {glue:text}`tl_noisy_bottom_h`, rises to {glue:text}`tl_noisy_peak` at
# $h=$ {glue:text}`tl_noisy_peak_h`, below the interpolation threshold
# ($h=$ {glue:text}`tl_noisy_threshold`, where the train error including the wrong labels
# drops below 1 %), and falls to {glue:text}`tl_noisy_last` at the widest width: a rise of
# {glue:text}`tl_noisy_rise` and a fall of {glue:text}`tl_noisy_fall` points. The seeds,
# though, disagree by up to {glue:text}`tl_noisy_spread` points at those widths, so by the
# rule double descent {glue:text}`tl_noisy_dd` at this scale: the bump is in the mean, but
# not beyond what another seed can change. What the noise clearly does is make the final
# error worse than the best error *during* training, {glue:text}`tl_best_range` for
# $h\ge 8$ and nearly flat in width: the networks memorise the corrupted labels late in
# training.
#
# The pruned networks show no peak either (the rule {glue:text}`tl_noisy_dd_8` at $b=8$ and
# {glue:text}`tl_noisy_dd_32` at $b=32$). Pruned from the widest parent by magnitude, the
# network {glue:text}`tl_noisy_8_base` its base at $b=8$ ({glue:text}`tl_noisy_pruned_8`
# against {glue:text}`tl_noisy_base_8`) and {glue:text}`tl_noisy_32_base` it at $b=32$
# ({glue:text}`tl_noisy_pruned_32` against {glue:text}`tl_noisy_base_32`); it
# {glue:text}`tl_noisy_8_budget` and {glue:text}`tl_noisy_32_budget` the bases trained twice
# as long ({glue:text}`tl_noisy_budget_8` and {glue:text}`tl_noisy_budget_32`), which
# memorise more of the noise, and it {glue:text}`tl_noisy_8_matched` and
# {glue:text}`tl_noisy_32_matched` the parameter-matched bases. The surprise is random
# pruning: with noisy labels magnitude pruning {glue:text}`tl_noisy_8_random` it at $b=8$
# and {glue:text}`tl_noisy_32_random` it at $b=32$ ({glue:text}`tl_noisy_random_8` and
# {glue:text}`tl_noisy_random_32` from the widest parent). Random pruning also fits fewer of
# the training labels (train error {glue:text}`tl_noisy_train_random_8` and
# {glue:text}`tl_noisy_train_random_32`, against {glue:text}`tl_noisy_train_magnitude_8` and
# {glue:text}`tl_noisy_train_magnitude_32` after magnitude pruning): the mask that does not
# follow the memorised weights generalises better, the effect {ref}`chap-prune-at-init`
# finds for pruning at initialization.
#
# ## Summary
#
# At this scale ({glue:text}`tl_n_train` images, {glue:text}`tl_seeds` seeds, CPU):
#
# * Clean labels: no double descent; training wide, pruning by magnitude and retraining
#   {glue:text}`tl_clean_8_base` the base network at $b=8$ and
#   {glue:text}`tl_clean_32_base` it at $b=32$, and the verdicts against the equal-budget
#   base ({glue:text}`tl_clean_8_budget`, {glue:text}`tl_clean_32_budget`) and the
#   parameter-matched base ({glue:text}`tl_clean_8_matched`,
#   {glue:text}`tl_clean_32_matched`) show that neither longer training nor extra biases
#   explain it; against random pruning, magnitude pruning {glue:text}`tl_clean_8_random`
#   it at $b=8$ and {glue:text}`tl_clean_32_random` it at $b=32$, and skipping the
#   retraining loses.
# * 20 % label noise: a bump of the dense test error before the interpolation threshold,
#   but double descent {glue:text}`tl_noisy_dd` by the rule over three seeds; the pruned
#   networks show none. Pruned by magnitude, the widest network
#   {glue:text}`tl_noisy_8_base` its base at $b=8$ and {glue:text}`tl_noisy_32_base` it at
#   $b=32$; against random pruning, magnitude pruning {glue:text}`tl_noisy_8_random` it
#   at $b=8$ and {glue:text}`tl_noisy_32_random` it at $b=32$.
