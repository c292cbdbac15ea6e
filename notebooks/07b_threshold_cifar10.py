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
# (chap-threshold-cifar)=
# # Pruning at the interpolation threshold (CIFAR-10)
#
# {ref}`chap-threshold` asked three questions of small networks on MNIST-1D: does a
# network trained at its interpolation threshold (IT) recover when pruned, does its
# error retrace the dense double-descent (DD) curve backwards, and where do the pruned
# networks stop fitting their noisy labels? This chapter asks them again on the medium data
# set, CIFAR-10 {cite:p}`krizhevsky2009learning`, with a convolutional network, at a scale
# this book's machine can afford, and checks which answers carry over. The rules, figures
# and reports are the same functions (`prunedd_utils.threshold`,
# `prunedd_utils.threshold_results`, `prunedd_utils.threshold_figures`); the runs are the
# sweep `prunedd_utils.sweeps.threshold_cifar`, stored under `results/threshold_cifar/`.

# %% tags=["parameters"]
preset = "cpu"  # preset of the sweep threshold_cifar: tiny (tests), cpu (stored), gpu
prune_seeds = [0, 1, 2]  # seeds of the pruned networks
experiment = "threshold_cifar"  # folder under results/ holding the runs
mnist1d_experiment = "threshold_mnist1d"  # the MNIST-1D study, compared at the end
mnist1d_preset = "cpu"  # its preset
train_missing = False  # True: train the runs that are not stored (hours on a CPU)

# %% [markdown]
# The defaults are the sweep's `cpu` preset, whose runs are stored; they were computed by
# two single-thread workers with
#
# ```
# python -m prunedd_utils sweep threshold_cifar --backend dask --workers 2
# python -m prunedd_utils sweep threshold_cifar --backend dask --workers 2 -p stage=prune
# ```
#
# The full scale is the `gpu` preset (all 50,000 training images, 17 widths to $k = 64$,
# 500 epochs, every checkpoint and mode) and the hard data set is the `gpu_cifar100`
# preset (CIFAR-100 in torchvision's format, downloaded by torchvision). **The stored
# results include neither**: they would take days of this machine.

# %%
import matplotlib.pyplot as plt
from myst_nb import glue

from prunedd_utils import threshold_answers, threshold_results
from prunedd_utils import threshold_figures as tf
from prunedd_utils.plotting import use_style
from prunedd_utils.sweeps import threshold_cifar as sweep
from prunedd_utils.sweeps import threshold_mnist1d
from prunedd_utils.sweeps import threshold_stages as stages

use_style()
params = dict(sweep.PRESETS[preset], prune_seeds=tuple(prune_seeds))
settings = stages.all_params(sweep.settings, params)
first = sweep.settings(**params)[0]
n_test = first.n_test or 10000
tol = settings["tol"]
study = threshold_results.load(sweep, params, experiment, run=train_missing)
plan = study.plan
glue("thc_preset", preset, display=False)
glue("thc_widths", len(study.widths), display=False)
glue("thc_n_train", f"{first.n_train or 50000:,}", display=False)
glue("thc_noise", f"{first.label_noise:.0%}", display=False)
glue("thc_epochs", first.epochs, display=False)
glue("thc_seeds", len(study.seeds), display=False)
glue("thc_prune_seeds", len(prune_seeds), display=False)
glue("thc_n_test", f"{n_test:,}", display=False)
glue("thc_retrain", settings["retrain_epochs"], display=False)
glue("thc_kmin", min(study.widths), display=False)
glue("thc_kmax", max(study.widths), display=False)
glue("thc_lr", f"{settings['lr']:g}", display=False)
glue("thc_batch", settings["batch_size"], display=False)
glue("thc_eval", settings["eval_every"], display=False)
glue("thc_fraction", f"{settings['prune_fraction']:.0%}", display=False)
glue("thc_sparsity", f"{settings['sparsity']:.0%}", display=False)
glue("thc_tol", f"{tol}", display=False)
glue("thc_rewind", settings["rewind_epoch"], display=False)
glue("thc_checkpoints", "their final weights only" if tuple(settings["checkpoints"]) == (
    "final",) else "the checkpoints " + ", ".join(settings["checkpoints"]) + " (at the IT)",
     display=False)
MODE_NAMES = {"finetune": "fine-tuning", "rewind_weights": "weight rewinding",
              "rewind_lr": "learning-rate rewinding"}
glue("thc_modes", " and ".join(MODE_NAMES[m] for m in settings["modes"]), display=False)
glue("thc_margin_50", f"{100 * threshold_results.margin(0.5, n_test):.1f}", display=False)

# %% [markdown]
# ## The recipe
#
# *Data.* A seeded subset of {glue:text}`thc_n_train` CIFAR-10 training images, of which
# {glue:text}`thc_noise` have their label replaced by a random one (the same for every
# run), without augmentation, so that the networks can fit the noisy labels within the
# budget; {glue:text}`thc_n_test` test images with their true labels.
#
# *Networks and training.* ResNet-20 {cite:p}`he2016deep` of width $k$ (stages of $k$,
# $2k$ and $4k$ channels) at {glue:text}`thc_widths` widths from $k$ =
# {glue:text}`thc_kmin` to {glue:text}`thc_kmax`, {glue:text}`thc_seeds` seeds each,
# trained with Adam at a constant rate of {glue:text}`thc_lr` (batch
# {glue:text}`thc_batch`) for {glue:text}`thc_epochs` epochs and evaluated every
# {glue:text}`thc_eval` epochs.
#
# *Pruning.* The widths around the IT are pruned from {glue:text}`thc_checkpoints` by
# IMP removing {glue:text}`thc_fraction` of the remaining weights per level to
# {glue:text}`thc_sparsity` sparsity, with {glue:text}`thc_retrain` retraining epochs per
# level, retrained by {glue:text}`thc_modes` (learning-rate rewinding, under a constant
# rate, is fine-tuning, as in {ref}`chap-threshold`), with random IMP and one-shot pruning
# as controls, for {glue:text}`thc_prune_seeds` seeds. This is fewer levels and fewer epochs
# than on MNIST-1D: the cost of a ResNet epoch on a CPU.
#
# *The rules* are those of {ref}`chap-threshold`, with the IT at a training error below
# {glue:text}`thc_tol`; the margin between two errors on {glue:text}`thc_n_test` images is
# {glue:text}`thc_margin_50` points at a 50% error.

# %% [markdown]
# ## Double descent, and where the threshold is

# %%
tf.dd_figure(study, "k")
plt.show()

# %% tags=["nbval-check-output"]
tf.threshold_report(study, tol, n_test, "k")
found = plan["threshold"]
mean_test = study.test.mean(axis=0)
glue("thc_it", found.threshold, display=False)
glue("thc_it_params", f"{study.params_of(found.threshold):,}", display=False)
glue("thc_seed_its", ", ".join(map(str, found.seed_thresholds)), display=False)
glue("thc_dd_mean", "holds" if found.holds else "does not hold", display=False)
glue("thc_peak", "-" if found.peak_width is None else found.peak_width, display=False)
glue("thc_peak_spread", "-" if found.peak_width is None else f"{100 * found.peak_spread:.1f}",
     display=False)
glue("thc_err_range", f"{mean_test.min():.2f} to {mean_test.max():.2f}", display=False)
glue("thc_margin_80", f"{100 * threshold_results.margin(0.8, n_test):.1f}", display=False)
unfit = threshold_results.unfit_beyond_threshold(study, tol)
glue("thc_unfit", "; ".join(f"k = {w}, {n} of {len(study.seeds)} seeds" for w, n in unfit)
     or "no width", display=False)
last_unfit = unfit[-1][0] if unfit else found.threshold  # unfit is in increasing width
glue("thc_fit_from", next((w for w in study.widths if w > last_unfit), "-")
     if unfit else found.threshold, display=False)

# %% [markdown]
# **What the dense sweep shows.** The networks do reach an IT: the narrowest width whose
# mean training error on the noisy labels is below {glue:text}`thc_tol` is $k$ =
# {glue:text}`thc_it` ({glue:text}`thc_it_params` parameters; per seed
# {glue:text}`thc_seed_its`). The fit is not yet stable there. Trained at a constant rate,
# runs of a wider width can be off the fit again at their last epoch
# ({glue:text}`thc_unfit`: the bump of the dashed curve, which takes the mean above the
# tolerance there), and every seed fits only from $k$ = {glue:text}`thc_fit_from` on. The
# IT of this sweep is less sharp than on MNIST-1D. The test error
# stays high, its seed mean ranging from {glue:text}`thc_err_range` over all widths (guessing
# would give 0.9): {glue:text}`thc_n_train` images with {glue:text}`thc_noise` wrong
# labels teach a ResNet little. By the rule on the mean over
# seeds, model-wise double descent {glue:text}`thc_dd_mean` (a peak at $k$ =
# {glue:text}`thc_peak`, a rise of {glue:text}`thc_dd_rise` and a fall of
# {glue:text}`thc_dd_fall` points). By the seed rule it {glue:text}`thc_dd_seed_rule`: the
# seeds at the peak width span {glue:text}`thc_peak_spread` points, and two single errors
# near 0.8 on {glue:text}`thc_n_test` test images differ only beyond
# {glue:text}`thc_margin_80` points. So this study prunes networks *at the IT*, as the
# thesis asks, but not networks at a clear test-error peak.

# %% [markdown]
# ## Test error against epoch
#
# The dense runs of the pruned widths (first pruned seed), and epoch-wise double descent
# by the rule of {ref}`chap-threshold` (a peak of the seed-mean curve higher, by the seed
# rule, than both the lowest error before it and the final error).

# %%
tf.checkpoint_figure(study, prune_seeds[0], "k")
plt.show()

# %% tags=["nbval-check-output"]
epoch_peaks = tf.epoch_report(study, n_test, "k")

# %% [markdown]
# ## Pruning trajectories against the dense curve
#
# Fine-tuned IMP from the final weights of each pruned width, mean over seeds with bands,
# over the dense curve (black); the open circles are the dense networks pruned.

# %%
tf.trajectory_figure(study, tf.final_groups(study, "k"))
plt.show()

# %% tags=["nbval-check-output"]
found_rows = threshold_results.findings(study, n_test, tol)
summaries = threshold_results.summarize(found_rows, n_test)
tf.findings_report(summaries, "k")

# %% [markdown]
# The same for IMP with weight rewinding (the kept weights reset to their epoch
# {glue:text}`thc_rewind` values before each retraining):

# %% tags=["nbval-check-output"]
rewind_summaries = threshold_results.summarize(
    threshold_results.findings(study, n_test, tol, mode="rewind_weights"), n_test)
tf.findings_report(rewind_summaries, "k")

# %% [markdown]
# ## The retraining modes and the controls, at the threshold

# %% tags=["nbval-check-output"]
tf.modes_report(study, n_test)

# %% [markdown]
# ## Learning distance and compact sizes

# %%
tf.distance_figure(study, "k")
plt.show()

# %% tags=["nbval-check-output"]
tf.distance_report(study, "k")
comparable = tf.compact_report(study, summaries, "k")

# %% [markdown]
# ## What the study found
#
# The answers to the three questions by the rules of {ref}`chap-threshold`
# (`threshold_answers.answers`, the same function), over {glue:text}`thc_prune_seeds`
# seeds, for the width nearest the IT pruned from its final weights unless said
# otherwise. The printed lines are the evidence; the prose after them quotes them, glued
# from this cell.

# %% tags=["nbval-check-output"]
answers = threshold_answers.answers(study, n_test, tol, "k")
answers.print()
for key, text in answers.text.items():
    glue(f"thc_{key}", text, display=False)
below = study.widths[study.widths.index(found.threshold) - 1]  # the widest that does not fit
at_it = threshold_answers.at(summaries, plan["center"])
sparse_it = at_it["sparse_it_ratio"][0] * study.params_of(found.threshold)
glue("thc_below_it", below, display=False)
glue("thc_below_it_params", f"{study.params_of(below):,}", display=False)
glue("thc_sparse_it_params", f"{sparse_it:,.0f}", display=False)
glue("thc_sparse_vs_below", "more than" if sparse_it > study.params_of(below) else
     "fewer than even", display=False)
glue("thc_it_bottom", f"{dict(epoch_peaks)[plan['center']]['rise'].b:.3f}", display=False)

# %% [markdown]
# **1. Does a network at the IT recover when pruned?** Here, yes. Fine-tuned from its
# final weights, its best test error over the IMP levels is {glue:text}`thc_q1_best`
# against {glue:text}`thc_q1_start` at the start, so it {glue:text}`thc_q1_verdict`; with
# weight rewinding the best is {glue:text}`thc_q1_rw_best` (it
# {glue:text}`thc_q1_rw_verdict`, first at levels {glue:text}`thc_q1_rw_levels`). Among
# the pruned widths, fine-tuning recovers at {glue:text}`thc_q1_ft_widths` and rewinding
# at {glue:text}`thc_q1_rw_widths`. What is recovered is the over-fitting of the noisy
# labels: the IT network's test error rose after an early minimum (the epoch report
# above), and with {glue:text}`thc_retrain` epochs per level the pruned networks do not fit
# the noise again once they have lost enough weights (panel (b) of the trajectory
# figure). Pruning gains nothing over stopping the dense network early: fine-tuning's best
# is {glue:text}`thc_q1_ft_early` the IT network's own early-stopping optimum
# ({glue:text}`thc_q1_optimum`, the mean of the seeds' lowest test errors; the epoch
# report's bottom, {glue:text}`thc_it_bottom`, is the lowest point of their mean curve),
# and rewinding's is {glue:text}`thc_q1_early_verdict` it.
#
# **2. Does recovery retrace the DD curve backwards?** No. From the IT, the fine-tuned
# trajectory runs {glue:text}`thc_q2_where` the dense curve at equal size (mean gap
# {glue:text}`thc_q2_gap`): a pruned network is better than a dense one trained to the end
# at its size. The trajectories of {glue:text}`thc_q2_below` run below the dense curve,
# those of {glue:text}`thc_q2_follow` follow it. There is, besides, no clear dense peak to
# retrace (the section on the dense sweep). By the rule, {glue:text}`thc_q2_dd`
# fine-tuned runs show a sparse DD of their own, and {glue:text}`thc_q2_peak` pass
# through the dense peak, so {cite:t}`he2022sparse`'s sparse double descent is not
# reproduced at this scale either. In the mean trajectory from the IT (panel (a)) the
# test error does fall as the training error leaves zero and rise again at the sparsest
# levels, the second half of their shape; the first rise, before the dip, is smaller
# than one run's noise margin.
#
# **3. Where do pruned networks stop interpolating?** Pruned from the IT's final weights,
# the seeds that fit at their first level ({glue:text}`thc_q3_fits`) keep fitting the
# noisy labels down to {glue:text}`thc_q3_ratio` times the dense IT's parameters
# ({glue:text}`thc_sparse_it_params` parameters). That is fewer than the dense IT needs,
# but {glue:text}`thc_sparse_vs_below` the widest dense network that does not fit ($k$ =
# {glue:text}`thc_below_it`, {glue:text}`thc_below_it_params` parameters), and the dense
# sweep has no width in between: at this grid it cannot tell whether a sparse network
# fits with fewer parameters than a dense one would. The sparse IT
# {glue:text}`thc_sparse_rises` with the starting width (the line *by width*). With a
# third of the weights removed per level, a sparse IT can only be one of the levels'
# sizes, so the seeds often agree exactly.
#
# **The rest of the prior work.** The learning distance of the dense networks grows with
# their width and is largest at $k$ = {glue:text}`thc_dist_peak`, with no peak at the IT.
# Along each trajectory it is largest at the first level and falls with the weights
# removed (the learning-distance report), so the answer "largest at
# {glue:text}`thc_dist_at` x its sparse IT" only says where each trajectory starts; from
# the IT, its first level happens to be its sparse IT as well. The link
# {cite:t}`he2022sparse` draw between the learning distance and the hardest size to fit,
# seen on MNIST-1D, is not seen here. The
# compact sizes of IMP from different widths are {glue:text}`thc_comparable`, as on
# MNIST-1D, against {cite:t}`arora2023quantifying`. Epoch-wise double descent, by its rule:
# {glue:text}`thc_epoch_dd`; at the IT the peak against the bottom is
# {glue:text}`thc_it_rise` and against the final epoch {glue:text}`thc_it_fall`.

# %% [markdown]
# ## Do the MNIST-1D findings carry over?
#
# The verdicts of the two studies side by side, by the same rules: first those of the
# dense sweep, then those at the width nearest the IT, pruned from its final weights.

# %% tags=["nbval-check-output"]
mnist_params = dict(threshold_mnist1d.PRESETS[mnist1d_preset])
mnist = threshold_results.load(threshold_mnist1d, mnist_params, mnist1d_experiment,
                               run=train_missing)
mnist_n_test = threshold_mnist1d.settings(**mnist_params)[0].n_test or 1000
mnist_tol = stages.all_params(threshold_mnist1d.settings, mnist_params)["tol"]
mnist_answers = threshold_answers.answers(mnist, mnist_n_test, mnist_tol)
print("\n".join(threshold_answers.side_by_side(
    {"MNIST-1D": mnist_answers, "CIFAR-10": answers})))
for key in ("q1_verdict", "q2_where", "q3_ratio", "hours", "dd_seed_rule", "q2_dd",
            "epoch_dd", "q1_ft_early", "q1_early_verdict"):
    glue(f"thc_mnist_{key}", mnist_answers.text[key], display=False)
total = study.hours() + mnist.hours()  # one CPU thread's hours, both studies
glue("thc_total_hours", f"{total:.1f}", display=False)
glue("thc_machine_hours", f"{total / 2:.1f}", display=False)
glue("thc_mnist_retrain", stages.all_params(threshold_mnist1d.settings, mnist_params)[
    "retrain_epochs"], display=False)

# %% [markdown]
# Some answers carry over and some do not. On both data sets, networks pruned from the IT
# interpolate with fewer parameters than the dense IT (sparse IT {glue:text}`thc_q3_ratio`
# times it here, {glue:text}`thc_mnist_q3_ratio` on MNIST-1D), IMP does not end at
# comparable sizes from different widths, a sparse double descent is rare (in
# {glue:text}`thc_q2_dd` fine-tuned runs here, {glue:text}`thc_mnist_q2_dd` there), and
# epoch-wise double descent appears at {glue:text}`thc_epoch_dd` here and at
# {glue:text}`thc_mnist_epoch_dd` there. The verdict on recovery differs: at the IT the fine-tuned network
# {glue:text}`thc_q1_verdict` here and {glue:text}`thc_mnist_q1_verdict` on MNIST-1D, and
# its trajectory runs {glue:text}`thc_q2_where` the dense curve here,
# {glue:text}`thc_mnist_q2_where` it there. The two studies differ in more than the data
# set. On MNIST-1D the dense double descent {glue:text}`thc_mnist_dd_seed_rule` by the
# seed rule, and the pruned networks, retrained for {glue:text}`thc_mnist_retrain` epochs
# per level, fit the noise again at their first levels; here it
# {glue:text}`thc_dd_seed_rule`, and {glue:text}`thc_retrain` retraining epochs per level
# keep the pruned networks from fitting the noise once they have lost enough weights,
# which on this noisy subset is worth more than the weights removed. What holds on both
# is the comparison with early stopping: the best pruned network from the IT's final
# weights is {glue:text}`thc_q1_ft_early` (fine-tuned) and
# {glue:text}`thc_q1_early_verdict` (weight rewinding) the IT network's own early-stopping
# optimum here, and {glue:text}`thc_mnist_q1_ft_early` and
# {glue:text}`thc_mnist_q1_early_verdict` it on MNIST-1D.
#
# *Scale.* A CIFAR-10 subset of {glue:text}`thc_n_train` training and
# {glue:text}`thc_n_test` test images, ResNet-20 to $k$ = {glue:text}`thc_kmax`,
# {glue:text}`thc_epochs` dense epochs and {glue:text}`thc_retrain` retraining epochs per
# level: {glue:text}`thc_hours` hours of one CPU thread for all the stored runs. With
# MNIST-1D's {glue:text}`thc_mnist_hours`, the threshold study's stored results took
# {glue:text}`thc_total_hours` hours of one thread, about {glue:text}`thc_machine_hours`
# hours of the 2-core machine on which two single-thread workers computed them. The full
# scale is the `gpu` preset.
