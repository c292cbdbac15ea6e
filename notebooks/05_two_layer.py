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
# 3. compare with two controls: random pruning to the same count, and no retraining;
# 4. repeat with 20 % label noise, where dense networks are known to show model-wise
#    double descent {cite:p}`belkin2019reconciling,nakkiran2019deep`, and look for it in
#    dense and in pruned networks.
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
random_noise = [0.0]  # noise levels at which the random-pruning control is trained too
n_train = 4000  # training images (a seeded random subset of the 60,000)
epochs = 100  # epochs of dense training, and again of retraining
seeds = [0]  # initialisation / batch-order seeds
lr = 1e-3  # Adam learning rate (constant)
batch_size = 128  # mini-batch size
eval_every = 5  # test-set evaluation every this many epochs
experiment = "two_layer"  # folder under results/ holding the runs
threads = 1  # torch CPU threads when runs must be trained (1 is fastest for these sizes)

# %% [markdown]
# These defaults are the sweep's `cpu` preset and the stored results: 50 runs, about 20
# minutes of one CPU core, produced by
#
# ```
# python -m prunedd_utils sweep two_layer --threads 1
# ```
#
# (resumable: a killed sweep continues where it stopped). The `gpu` preset is a larger
# version, with the full training set, wider networks, three seeds and the random control
# with noise too: train it with `python -m prunedd_utils sweep two_layer --preset gpu`, then
# execute this chapter with the same parameters,
#
# ```
# papermill notebooks/05_two_layer.ipynb out.ipynb -p n_train 60000 -p epochs 300 \
#   -y "widths: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]" \
#   -y "seeds: [0, 1, 2]" -y "random_noise: [0.0, 0.2]" -p threads 0
# ```

# %%
import matplotlib.pyplot as plt

from prunedd_utils import double_descent as dd
from prunedd_utils import runs, runtime
from prunedd_utils.neural import models
from prunedd_utils.plotting import shared_legend, use_style, width_panel
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
# *Label noise* at rate $\eta$ replaces the labels of exactly $\eta n$ training images,
# drawn at random, by a class drawn uniformly among the nine *other* classes (the
# convention of {cite:t}`nakkiran2019deep`). The test labels are clean. We report the train
# error against the labels used for training, so a train error of zero means the network
# has memorised the wrong labels too.

# %%
settings = sweep.settings(
    widths=widths, base_widths=base_widths, label_noise=label_noise,
    random_noise=random_noise, n_train=n_train, epochs=epochs, seeds=seeds, lr=lr,
    batch_size=batch_size, eval_every=eval_every,
)
rows = runs.sweep(settings, experiment, threads=threads)  # trains only what is not stored
dense_rows = runs.select(rows, prune="none")
print(f"{len(rows)} runs: {len(dense_rows)} dense, {len(rows) - len(dense_rows)} pruned; "
      f"device {runtime.device()}; total training time of the stored runs "
      f"{sum(r['seconds'] for r in rows) / 60:.0f} min")

# %% [markdown]
# ## Scale of the experiment
#
# The printed cell below states the scale exactly. In short (default parameters):
# 4,000 training images (a seeded subset of Fashion-MNIST's 60,000, real 28×28 inputs,
# standardised, no augmentation), the full 10,000-image test set, widths
# $h\in\{1,2,\dots,512\}$ (factors of two; $h=512$ has 407,050 parameters, a hundred
# times more than training images), base widths $b=8$ and $b=32$ (6,352 and 25,408
# weights), Adam with a constant learning rate $10^{-3}$ and batch 128 for 100 epochs
# (3,200 steps), cross-entropy, one seed, on the CPU.

# %% tags=["nbval-check-output"]
print(f"train images {n_train}, test images {10000}, epochs {epochs}, seeds {list(seeds)}")
print(f"widths {list(widths)}; base widths {list(base_widths)}")
for b in base_widths:
    print(f"base width {b}: keeps {models.parameter_count(models.two_layer(b)) - b - 10} "
          f"weights")
print(f"parameters at the widest width: {models.parameter_count(models.two_layer(max(widths)))}")

# %% [markdown]
# ## Clean labels
#
# The figure shows, against the width $h$ of the dense network that was trained first,
# (a) the test error (solid) and train error (dashed) of the dense networks (black) and of
# the networks magnitude-pruned to each base width and retrained (one colour per base
# width); (b) magnitude (squares) against random (triangles) pruning; (c) retrained (solid)
# against not retrained (dotted). A pruned curve starts at $h=b$'s right
# neighbour: at $h=b$ there is nothing to prune, and its value *is* the dense base model.


# %%
def plot_panels(noise: float, title: str):
    """The three panels of the paper's Fig. 6 for one label-noise level."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), sharey=True)
    sel = dict(label_noise=noise, seed=seeds[0], targets=base_widths, legend=False)
    width_panel(axes[0], rows, keys=("test_err", "train_err"), title="(a) train and test", **sel)
    width_panel(axes[1], rows, methods=("magnitude", "random"), title="(b) random pruning",
                **sel)
    width_panel(axes[2], rows, keys=("test_err", "pruned_test_err"), title="(c) no retraining",
                **sel)
    axes[0].set_ylabel("error")
    fig.suptitle(title)
    fig.tight_layout()
    shared_legend(fig, axes, ncol=4)
    return fig


plot_panels(0.0, f"Fashion-MNIST, {n_train} images, clean labels")
plt.show()


# %% [markdown]
# The deciding numbers, read from the stored runs. For each base width $b$: the dense base
# model itself, the widest network pruned to its weight count (magnitude, then retrained),
# the same without retraining, and random pruning to the same count.


# %%
def final(noise, width, prune="none", base=0, key="test_err"):
    """One stored number (None when the run is not in the sweep)."""
    hit = runs.select(rows, label_noise=noise, width=width, prune=prune, base_width=base,
                      seed=seeds[0])
    return hit[0][key] if hit else None


def verdict(ok: bool) -> str:
    return "holds" if ok else "does not hold"


# %% tags=["nbval-check-output"]
W = max(widths)
for b in [b for b in base_widths if b < W and b in widths]:
    small, big = final(0.0, b), final(0.0, W, "magnitude", b)
    raw = final(0.0, W, "magnitude", b, "pruned_test_err")
    rand = final(0.0, W, "random", b)
    print(f"b={b}: dense base {small:.3f}; h={W} magnitude-pruned+retrained {big:.3f} "
          f"-> training wide and pruning beats training small: {verdict(big < small)}")
    if rand is not None:
        print(f"  random pruning to the same count {rand:.3f} -> magnitude beats random: "
              f"{verdict(big < rand)}")
    print(f"  not retrained {raw:.3f} -> retraining helps: {verdict(big < raw)}")
x, y = runs.curve(rows, "width", "test_err", prune="none", label_noise=0.0, seed=seeds[0])
rise = dd.largest_rise(y)
print(f"dense, clean: test error {y[0]:.3f} at h={x[0]} -> {y[-1]:.3f} at h={x[-1]}; "
      f"largest rise between neighbouring widths {rise:.3f}")

# %% [markdown]
# **What the clean-label figure shows.** With clean labels the dense test error falls
# monotonically with width, from 0.70 at $h=1$ to 0.156 at $h=512$, with no rise anywhere:
# no double descent, as the paper found on MNIST. Magnitude pruning of a wide network to a
# base width's weight count, followed by retraining, beats training the base width
# directly, and the wider the starting network, the better: at $b=8$ the pruned $h=512$
# network errs on 16.7 % of the test images against 19.4 % for the dense $h=8$ network, at
# $b=32$ on 15.5 % against 16.9 %, the same as the dense $h=512$ network with one
# sixteenth of its weights. Random pruning to the same count is worse than magnitude
# pruning (21.7 % and 17.0 % from $h=512$) and gets *worse* with width at $b=8$, because at
# density $b/h$ few hidden units keep enough weights to be useful; it also loses the
# ability to fit the training set (train error up to 14 %). Without retraining, the pruned
# network is far worse (55.9 % and 33.6 % from $h=512$) and its error grows with the
# width it was pruned from, since a smaller density $b/h$ removes more of what the dense
# network computed. All three observations are those of the paper's Fig. 6 (a)-(c).

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
# To decide whether there is a peak we locate the interpolation threshold (the narrowest
# width whose train error, noisy labels included, is below 1 %), the bottom of the first
# descent (the first width whose test error is not above its right neighbour's) and the
# highest test error after it, before the widest width. Double descent means a rise from
# that bottom to the peak *and* a fall from the peak to the widest width. The standard
# error of one test error $e$ measured on 10,000 images is $\sqrt{e(1-e)/10^4}\approx
# 0.004$; with one seed, we count only changes above 0.01. The rules are those of
# `prunedd_utils.double_descent` (`interpolation_threshold`, `find_peak`, `best_epoch`).

# %% tags=["nbval-check-output"]
def peak_report(name, x, y, train):
    """Threshold, bottom of the first descent, peak after it, and the verdict."""
    r = dd.find_peak(x, y, train, min_change=0.01, tol=0.01)
    if r.peak is None:
        print(f"{name}: interpolation from h={r.threshold}; test error never rises before "
              f"the widest width ({y[0]:.3f} at h={x[0]} -> {y[-1]:.3f} at h={x[-1]}) "
              f"-> double descent: does not hold")
        return
    print(f"{name}: interpolation from h={r.threshold}; bottom {r.err[r.bottom]:.3f} at "
          f"h={x[r.bottom]}, peak {r.err[r.peak]:.3f} at h={x[r.peak]}, {y[-1]:.3f} at "
          f"h={x[-1]}; rise {r.rise:.3f}, fall {r.fall:.3f} -> double descent: "
          f"{verdict(r.holds)}")


def best_epoch(width, noise):
    """Lowest test error during dense training, and its epoch (from the stored history)."""
    s = next(s for s in settings if s.width == width and s.label_noise == noise
             and s.seed == seeds[0] and not s.is_pruned)
    return dd.best_epoch(runs.Run(s, experiment).metrics()["history"])


for noise in [n for n in label_noise if n > 0]:
    sel = dict(label_noise=noise, seed=seeds[0])
    x, y = runs.curve(rows, "width", "test_err", prune="none", **sel)
    _, t = runs.curve(rows, "width", "train_err", prune="none", **sel)
    peak_report(f"dense, noise {noise}", x, y, t)
    for b in base_widths:
        x, y = runs.curve(rows, "width", "test_err", prune="magnitude", base_width=b, **sel)
        _, t = runs.curve(rows, "width", "train_err", prune="magnitude", base_width=b, **sel)
        if len(x) >= 3:
            peak_report(f"magnitude-pruned to b={b}, noise {noise}", x, y, t)
    for w in widths:
        err, ep = best_epoch(w, noise)
        print(f"  dense h={w}, noise {noise}: final test error {final(noise, w):.3f}, "
              f"best during training {err:.3f} (epoch {ep})")

# %% [markdown]
# **What the noisy-label figure shows.** With 20 % of the labels corrupted, the dense
# networks do show model-wise double descent, modest but larger than the 0.01 we require:
# the test error falls to 25.2 % at $h=8$, rises to 27.6 % at $h=64$, just before the
# interpolation threshold ($h=128$, where the train error including the 800 wrong labels
# drops below 1 %), and falls again to 23.4 % at $h=512$. It is a property of training
# until the noise is memorised: the best test error *during* training (printed above, at
# epochs 10 to 30 for $h\ge 8$) is 18-21 % and nearly flat in width, with no peak, while
# the final error is 4 to 9 points higher from $h=16$ on.
# The pruned networks show no second peak. Pruned to $b=8$ their error decreases, with a
# bump of 0.002 at $h=64$, from 32.3 % to 26.1 %, and never reaches the dense base model's
# 25.2 %: pruned this hard they cannot memorise the noisy labels (train error 14 % at
# $h=512$, more than half of the corrupted labels unfitted), and the weights magnitude
# pruning keeps, chosen by a network that had memorised noise, serve less well. Pruned to
# $b=32$ the error falls monotonically from 29.7 % to 25.1 % and beats the dense base
# (26.5 %) only from $h=256$ on. So, with noisy labels, training wide and pruning pays
# only from a wide enough parent, and a base model near the dense peak is the case where
# it pays least.
#
# These are single-seed results on 4,000 training images; differences of one or two
# points between neighbouring widths are within what a second seed could change. The
# GPU preset above (60,000 images, three seeds, wider networks) is the way to firm them up.
#
# ## Summary
#
# * Clean labels: no double descent, and training wide, pruning by magnitude and
#   retraining beats training the small model, by 2.7 points at $b=8$ and 1.4 points at
#   $b=32$ from $h=512$; random pruning and skipping the retraining both lose.
# * 20 % label noise: the dense networks show a peak of test error just before the
#   interpolation threshold and a second descent after it; networks pruned to a fixed
#   weight count show none, and they beat their dense base only when pruned from wide
#   parents ($b=32$) or not at all ($b=8$) at this scale.
