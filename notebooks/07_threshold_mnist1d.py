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
import matplotlib.pyplot as plt
from myst_nb import glue

from prunedd_utils import threshold_answers, threshold_results
from prunedd_utils import threshold_figures as tf
from prunedd_utils.plotting import use_style
from prunedd_utils.sweeps import threshold_mnist1d as sweep

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
glue("th_prune_seeds", len(prune_seeds), display=False)
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
# band from the lowest to the highest seed, and the IT (dotted). The figures and printed
# reports are functions of `prunedd_utils.threshold_figures`, and the answers at the end
# of `prunedd_utils.threshold_answers`, so that the CIFAR-10 study
# ({ref}`chap-threshold-cifar`) is shown and judged in the same way.

# %%
tf.dd_figure(study)
plt.show()

# %% tags=["nbval-check-output"]
tf.threshold_report(study, tol, n_test_signals)
found = plan["threshold"]
glue("th_it", found.threshold, display=False)
glue("th_it_params", f"{study.params_of(found.threshold):,}", display=False)
glue("th_peak", "none" if found.peak_width is None else found.peak_width, display=False)

# %% [markdown]
# ## Checkpoints
#
# Test error against epoch for each pruned width (the first pruned seed), with the
# checkpoints marked at the width nearest the IT. A rise after an early minimum is epoch-wise double descent
# {cite:p}`nakkiran2019deep`, or plain over-fitting of the noisy labels.

# %%
tf.checkpoint_figure(study, prune_seeds[0])
plt.show()

# %% tags=["nbval-check-output"]
tf.checkpoint_report(study)

# %% [markdown]
# *Epoch-wise double descent, the rule* (`threshold_results.epoch_dd`): on the test error
# against epoch, averaged over the seeds, the peak that maximises the smaller of its rise
# above the lowest error before it (the bottom) and its fall to the final error
# (`threshold.epoch_peak`); it counts when the seeds' errors at the peak are *higher* than
# at the bottom and at the final epoch by the book's seed rule (`verdicts.compare`).

# %% tags=["nbval-check-output"]
epoch_peaks = tf.epoch_report(study, n_test_signals)

# %% [markdown]
# ## Pruning trajectories against the dense curve
#
# Each IMP run is a trajectory: at every level, the remaining parameters (kept weights
# plus biases) and the errors after retraining. The first figure shows the fine-tuned
# trajectories from the final weights of each pruned width, starting at the dense network
# (open circle), over the dense DD curve (black); each is the mean over
# {glue:text}`th_prune_seeds` seeds with a band from the lowest to the highest.

# %%
tf.trajectory_figure(study, tf.final_groups(study))
plt.show()

# %% [markdown]
# At the width nearest the IT, the same for each checkpoint (fine-tuned), and for weight
# rewinding and random IMP from the final weights.

# %%
tf.trajectory_figure(study, tf.checkpoint_groups(study))
plt.show()

# %% [markdown]
# **Recovery and retracing: the rules** (`threshold_results.findings` for one run,
# `threshold_results.summarize` over seeds), fixed before the pruned runs were read.
# For a run with start error $e_0$ (the dense network it prunes) and margin $m(e_0)$
# ($2\sqrt{2}$ binomial standard errors):
# - *Recovery.* The run's lowest test error over its levels, against $e_0$, over the
#   seeds by the book's seed rule (`verdicts.compare`): the checkpoint *recovers* when the
#   best errors are *lower*; *how fast* is the first level whose error is below
#   $e_0 - m$, per seed. The margin is at least $2\sqrt{2}$ standard errors, larger than
#   the downward bias of taking the lowest of the levels.
# - *Retracing.* The gap between the run and the dense curve (mean over seeds),
#   interpolated in log parameters at the same size, averaged over the levels inside the
#   dense range (`threshold.retrace`). Over the seeds, the trajectory runs *below* or
#   *above* the dense curve when the mean of the seeds' gaps is beyond $\pm 2u$, with $u$
#   the seed rule's uncertainty (half the range of the gaps, or $\sqrt2$ binomial standard
#   errors at the trajectory's mean error, if larger), and *follows* it otherwise
#   (`threshold_results.side_of_curve`). A single run shows a *sparse DD* when it has a
#   rise and a fall of its own beyond $\max(0.01, m)$, and passes *through the dense peak*
#   when its peak is within a factor 2 in parameters of the dense one; the report counts
#   the seeds that do.
# - *Sparse IT.* The fewest remaining parameters down to which every level still fits the
#   noisy training labels (training error below {glue:text}`th_tol`,
#   `threshold.sparse_threshold`), as a multiple of the dense IT's
#   {glue:text}`th_it_params` parameters.

# %% tags=["nbval-check-output"]
found_rows = threshold_results.findings(study, n_test_signals, tol)
summaries = threshold_results.summarize(found_rows, n_test_signals)
tf.findings_report(summaries)

# %% [markdown]
# The same rules for IMP with weight rewinding (the kept weights reset to epoch
# {glue:text}`th_rewind` before each retraining), from the same checkpoints:

# %% tags=["nbval-check-output"]
rewind_rows = threshold_results.findings(study, n_test_signals, tol, mode="rewind_weights")
rewind_summaries = threshold_results.summarize(rewind_rows, n_test_signals)
tf.findings_report(rewind_summaries)

# %% [markdown]
# ## The retraining modes and the controls, at the threshold
#
# For the width nearest the IT, from each checkpoint: the lowest test error over the
# levels and the error at the sparsest level of fine-tuned IMP (mean and range over
# seeds); then weight rewinding and random IMP, and one-shot pruning (a single pruning, to
# the size of an IMP level), each against fine-tuned IMP by the book's seed rule
# (*lower*, *higher* or a *tie*).

# %% tags=["nbval-check-output"]
tf.modes_report(study, n_test_signals)

# %% [markdown]
# ## How far the weights travel
#
# The learning distance $\lVert\theta-\theta_0\rVert_2$ of the kept weights from their
# initialisation {cite:p}`he2022sparse`, at every level of the fine-tuned trajectories
# from final weights (mean over seeds, with bands), and of the dense networks.

# %%
tf.distance_figure(study)
plt.show()

# %% tags=["nbval-check-output"]
tf.distance_report(study)

# %% [markdown]
# ## Do trajectories from different widths end at comparable sizes?
#
# {cite:t}`arora2023quantifying` report that IMP from starting widths over orders of
# magnitude reaches networks of comparable size. The measure here: the *compact size* of a
# run, the fewest remaining parameters whose test error is within the margin of the run's
# best (`threshold.compact_size`); the sizes are *comparable* when their means over seeds
# span less than a factor of 2 while the starting sizes span more than a factor of 4.

# %% tags=["nbval-check-output"]
comparable = tf.compact_report(study, summaries)

# %% [markdown]
# ## What the study found
#
# The answers to the chapter's questions, each the verdict of a rule stated above, over
# {glue:text}`th_prune_seeds` seeds. Unless said otherwise they are for the width nearest
# the IT, pruned from its final weights. The printed lines are the evidence
# (`threshold_answers.answers`); the prose after them quotes the same numbers, glued from
# this cell.

# %% tags=["nbval-check-output"]
answers = threshold_answers.answers(study, n_test_signals, tol)
answers.print()
for key, text in answers.text.items():
    glue(f"th_{key}", text, display=False)
glue("th_margin_50", f"{100 * threshold_results.margin(0.5, n_test_signals):.1f}",
     display=False)

# %% [markdown]
# **1. Does a network at the IT recover when pruned?** With fine-tuning, no: from its final
# weights the best test error over the IMP levels is {glue:text}`th_q1_best` against
# {glue:text}`th_q1_start` at the start, so it {glue:text}`th_q1_verdict`. Retrained at
# the dense run's constant rate, the pruned network fits the noisy labels again at its
# first levels (training error zero, panel (b) of the trajectory figures), and its test
# error stays where the dense network's was. Fine-tuning does no better at any other width
# (widths that recover: {glue:text}`th_q1_ft_widths`, of {glue:text}`th_n_final`). From
# the IT's early-stopping optimum (test error {glue:text}`th_q1_opt_start`), pruning with
# fine-tuning {glue:text}`th_q1_opt_verdict` (best {glue:text}`th_q1_opt_best`): the
# retraining epochs move the network on towards fitting the noise.
#
# With weight rewinding, yes: the best error is {glue:text}`th_q1_rw_best`, so it
# {glue:text}`th_q1_rw_verdict`. It gets there at the first levels (first recovered level
# per seed: {glue:text}`th_q1_rw_levels`). Among the pruned widths, rewinding recovers at
# {glue:text}`th_q1_rw_widths`. This recovery is not a gain of pruning itself. The rewound networks, retrained from an early epoch for a
# limited budget, mostly do not fit the noisy labels (runs that fit at their first level:
# {glue:text}`th_rw_fit`); in effect they are early-stopped networks. Their best error is
# {glue:text}`th_q1_early_verdict` the IT network's own early-stopping optimum
# ({glue:text}`th_q1_early`).
#
# **2. Does recovery retrace the DD curve backwards?** Fine-tuned from the IT's final
# weights, the trajectory runs {glue:text}`th_q2_where` the dense curve at equal size (mean
# gap {glue:text}`th_q2_gap`). A pruned IT network is worse than a dense network trained at
# its size, so it does not retrace the curve. The trajectories of
# {glue:text}`th_q2_follow` follow the dense curve; those of {glue:text}`th_q2_above` run
# above it. By the stated rule, a trajectory with a sparse DD of its own is rare
# ({glue:text}`th_q2_dd` fine-tuned runs), and so is one passing through the dense peak
# ({glue:text}`th_q2_peak`). The dense peak is modest: a rise of {glue:text}`th_dd_rise`
# and a fall of {glue:text}`th_dd_fall` points in the mean over {glue:text}`th_seeds`
# seeds (it {glue:text}`th_dd_seed_rule` by the seed rule, the report under the first
# figure). The rule asks a single pruned run for a rise and a fall of its own beyond its
# noise margin (about {glue:text}`th_margin_50` points), and the curve of one run is
# noisier than a mean over seeds, so few runs pass.
# {cite:t}`he2022sparse`'s sparse double descent is therefore **not reproduced** at this
# scale. Their networks (LeNet-300-100 on MNIST, ResNets on CIFAR) start far beyond their
# data's interpolation threshold, and they prune to higher sparsities than the
# {glue:text}`th_sparsity` here.
#
# **3. Where do pruned networks stop interpolating?** Pruned from the IT's final weights
# and fine-tuned, the networks keep fitting the noisy labels down to
# {glue:text}`th_q3_ratio` times the dense IT's parameters. Sparse networks interpolate with
# fewer parameters than dense ones need. The sparse IT {glue:text}`th_sparse_rises` with
# the starting width (the line *by width* above; the rule: its seed means rise from width
# to width, and the seeds' range at the widest lies above the range at the IT, so the rise
# is more than their scatter). A plausible reading: IMP keeps the large
# weights that fitted the noise, which a dense network of that size never had to find.
#
# **The rest of the prior work.** The learning distance of the dense networks is largest at
# $h$ = {glue:text}`th_dist_peak`, next to the IT (compare the test-error peak above). Along
# the fine-tuned trajectories it is largest at {glue:text}`th_dist_at` times their own
# sparse IT, where they stop fitting. {cite:t}`he2022sparse` describe the same link
# between the learning distance and the size that is hardest to fit. The
# compact sizes of IMP from different widths are {glue:text}`th_comparable` (the last
# lines of the section above), which is not what {cite:t}`arora2023quantifying` found.
# Epoch-wise double descent, by its rule: {glue:text}`th_epoch_dd`. At the IT, the
# seeds' error at the peak against the bottom is {glue:text}`th_it_rise`, and against the
# final epoch {glue:text}`th_it_fall`: a rise with no fall after it is over-fitting of the
# noisy labels, not a second descent.
#
# *Scale.* MNIST-1D, {glue:text}`th_n_test` test signals, {glue:text}`th_epochs` dense
# epochs, {glue:text}`th_retrain` retraining epochs per level: {glue:text}`th_hours` hours of one CPU thread for all the stored runs.
# Two single-thread workers of a 2-core machine computed them.
