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
# (chap-correlated)=
# # Correlated features: when retraining pays
#
# With independent features, refitting the weights that survive pruning makes things
# worse: the pruned-away features were never predicting anything the kept ones could take
# over, and the refit only adds estimation noise. {cite:t}`chang2021provable`
# argue that retraining earns its place through *correlations* between features, and
# prove it for the extreme case where all features are copies of one variable (their
# Lemma 1). This chapter
#
# 1. extends the distributional characterization (DC) of min-norm least squares and the
#    retraining recipe to any covariance matrix;
# 2. derives Lemma 1 and checks it by simulation;
# 3. follows a family of covariances from independent to perfectly correlated features and
#    locates the correlation $c^\star$ at which retraining starts to beat pruning alone.
#
# Everything runs on the CPU in well under a minute. The computations live in
# `prunedd_utils.theory.general_sigma` (any covariance) and
# `prunedd_utils.theory.correlated` (Lemma 1 and the family), on top of the diagonal theory
# in `prunedd_utils.theory.lgp`.

# %% tags=["parameters"]
seed = 0  # seeds every random draw of the chapter
# Lemma 1 (all features copies of one Gaussian scalar)
lemma_n = 20  # training samples
lemma_p = 50  # features (copies)
lemma_s = 10  # weights kept by pruning
lemma_sigma = 0.5  # label noise level
lemma_trials = 20_000  # simulated training sets
# the equicorrelated family Sigma_c
n = 100  # training samples
p = 200  # features (p = 2n: over-parameterized)
s = 20  # weights kept by pruning
spike = 10.0  # variance of the first s features (the others have variance 1)
sigma = 0.5  # label noise level
c_grid = [0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.97, 0.99]
theory_draws = 400  # samples from the predicted law per point (theory is Monte Carlo here)
trials = 150  # simulated training sets per point

# %% [markdown]
# The defaults take about half a minute on two CPU cores. A finer, less noisy version
# (a few minutes) is
# `papermill notebooks/03_correlated_retraining.ipynb out.ipynb -p lemma_trials 200000 -p theory_draws 4000 -p trials 2000`.

# %%
import matplotlib.pyplot as plt
import numpy as np

from prunedd_utils.theory import correlated, general_sigma, lgp

rng = np.random.default_rng(seed)

# %% [markdown]
# ## The theory for a general covariance
#
# ### Risk from second moments
#
# A linear predictor $\theta$ is judged by its population risk. Expanding the square shows
# that only three second moments of the pair $(x, y)$ matter,
#
# $$
# \mathcal L(\theta) = \mathbb E\,(y - x^\top\theta)^2
# = \mathbb E\,y^2 - 2\,b^\top\theta + \theta^\top\Sigma\,\theta,
# \qquad \Sigma = \mathbb E\,xx^\top,\quad b = \mathbb E\,xy .
# $$ (eq-risk-moments)
#
# For a linear Gaussian problem (LGP) $y = x^\top\beta + \sigma z$ we have $b = \Sigma\beta$
# and $\mathbb E y^2 = \sigma^2 + \beta^\top\Sigma\beta$, and {eq}`eq-risk-moments` becomes
# the familiar $\sigma^2 + (\theta-\beta)^\top\Sigma(\theta-\beta)$. The moment form is what
# the code uses: it needs no $\Sigma^{-1}$, so it stays accurate when $\Sigma$ is nearly
# singular, as it is for strongly correlated features and for random features
# ({ref}`chap-random-features`).
#
# ### Rotating to the eigenbasis
#
# Write $\Sigma = U\,\mathrm{diag}(\lambda)\,U^\top$ and rotate the features, $x' = U^\top x$.
# The rotated features are independent with variances $\lambda_i$, and the rotated problem
# has coefficients $\bar\beta = U^\top\beta$. Min-norm least squares does not notice the
# rotation: $X' = XU$ fits the same labels with $\theta' = U^\top\theta$, and since
# $\|U^\top\theta\| = \|\theta\|$ the smallest-norm interpolator of one problem is the
# rotation of the other's. So the diagonal DC applies to $\hat\beta' = U^\top\hat\beta$, and
# rotating back gives, for $p > n$,
#
# $$
# \hat\beta \;\overset{d}{\approx}\; \mathcal N\!\Big((\Sigma+\zeta I)^{-1}\Sigma\beta,\;
# \frac{\tau^2}{n}\,(\Sigma+\zeta I)^{-2}\Sigma\Big),
# \qquad \sum_i \frac{\lambda_i}{\lambda_i+\zeta} = n ,
# $$ (eq-general-dc)
#
# with the same implicit ridge level $\zeta$ and dense risk $\tau^2$ as in the diagonal
# theory, computed from $(\lambda, \bar\beta, \sigma)$. For $p < n$ the law is centred at
# $\beta$ with covariance $\sigma^2\Sigma^{-1}/(n-p-1)$, the exact finite-$n$ moments of a
# Gaussian design (the convention of `prunedd_utils.theory.lgp`, which this chapter follows
# throughout; its asymptotic variant replaces $n-p-1$ by $n-p$).
#
# What changes is pruning. Pruning acts on the *original* coordinates, and there the
# coordinates of $\hat\beta$ are correlated: the covariance in {eq}`eq-general-dc` is not
# diagonal. The closed forms of the diagonal case, which integrate one independent Gaussian
# coordinate at a time, no longer apply. We therefore draw samples from the Gaussian law
# {eq}`eq-general-dc`, prune each one by magnitude $|\hat\beta_i|$ or by the Hessian score
# $\Sigma_{ii}\hat\beta_i^2$ {cite:p}`lecun1990optimal`, and average the risk
# {eq}`eq-risk-moments` of the pruned vectors. Every "theory" curve for a non-diagonal
# covariance in this book is such a Monte Carlo average over the *predicted* law, not over
# simulated data.
#
# ### Retraining (Def. 5)
#
# Refitting least squares on a kept support $S$ of size $s$ is itself a linear problem: the
# features $x_S$ predict $y$ at best with
#
# $$
# \beta^\star_S = \Sigma_{SS}^{-1}\Sigma_{S,:}\beta = \Sigma_{SS}^{-1} b_S,
# \qquad
# \sigma_S^2 = \mathcal L(\beta^\star_S) = \mathbb E y^2 - b_S^\top\beta_S^\star ,
# $$ (eq-retrain-target)
#
# and the residual $y - x_S^\top\beta^\star_S$ is Gaussian and independent of $x_S$. So the
# refit is an LGP with covariance $\Sigma_{SS}$, coefficients $\beta^\star_S$ and *effective
# noise* $\sigma_S^2$: the true noise plus whatever the dropped features explained that the
# kept ones cannot. With a fresh sample of size $n > s + 1$ its expected risk is exactly
# $\sigma_S^2\,(n-1)/(n-s-1)$ (for $s > n$ the general DC applies). The retraining theory
# averages this over the supports $S$ selected from draws of {eq}`eq-general-dc`. It
# describes retraining on a *fresh* sample; refitting on the training sample itself reuses
# the data that chose $S$, and we simulate both.
#
# In the diagonal case $\beta^\star_S = \beta_S$ and
# $\sigma_S^2 = \sigma^2 + \sum_{i\notin S}\lambda_i\beta_i^2$: the dropped features act as
# noise. With correlations, the dropped features' contribution is partly *predictable*
# from the kept ones, $\sigma_S^2$ is smaller, and $\beta^\star_S$ differs from $\beta_S$:
# the kept weights must change to absorb it. That is the whole case for retraining.
#
# A first check: for a diagonal covariance the general code must give the diagonal
# module's numbers, and rotating the features must not change the dense prediction.

# %% tags=["nbval-check-output"]
check_rng = np.random.default_rng(seed)
lam_check = check_rng.uniform(0.5, 3.0, 150)
beta_check = check_rng.standard_normal(150) / np.sqrt(150)
Q = np.linalg.qr(check_rng.standard_normal((150, 150)))[0]
for n_check in (60, 300):
    diag = general_sigma.dense_risk(
        general_sigma.lgp_moments(np.diag(lam_check), beta_check, 1.0), n_check
    )
    rotated = general_sigma.dense_risk(
        general_sigma.lgp_moments(Q @ np.diag(lam_check) @ Q.T, Q @ beta_check, 1.0), n_check
    )
    module = lgp.dense_tau2(lam_check, beta_check, 1.0, n_check)
    print(f"n={n_check}: lgp module {module:.6f}, general (diagonal) {diag:.6f}, "
          f"general (rotated) {rotated:.6f} -> "
          f"{'agree' if abs(diag - module) + abs(rotated - module) < 1e-9 * module else 'DIFFER'}")

# %% [markdown]
# (sec-lemma1)=
# ## Lemma 1: perfectly correlated features
#
# Let every feature be a scaled copy of one standard Gaussian scalar $g$: $x = g\,a$ for a
# fixed $a\in\mathbb R^p$, so $\Sigma = aa^\top$ has rank one. The label is
# $y = x^\top\beta + \sigma z = g\,(a^\top\beta) + \sigma z$. Every $\theta$ with
# $a^\top\theta = a^\top\beta$ is optimal, with risk $\mathcal L(\beta) = \sigma^2$.
#
# **Dense model.** With $n$ training draws $\mathbf g\in\mathbb R^n$ the design is
# $X = \mathbf g\,a^\top$, whose pseudo-inverse is
# $X^\dagger = a\,\mathbf g^\top/(\|a\|^2\|\mathbf g\|^2)$. Hence
#
# $$
# \hat\beta = X^\dagger y = \frac{\hat c}{\|a\|^2}\,a ,\qquad
# \hat c = \frac{\mathbf g^\top y}{\|\mathbf g\|^2}
# = a^\top\beta + \sigma\,\frac{\mathbf g^\top z}{\|\mathbf g\|^2}.
# $$
#
# The dense model predicts $x^\top\hat\beta = g\,\hat c$: it has estimated the one
# coefficient that exists, and spread it over the copies in proportion to $a$. Given
# $\mathbf g$, the estimation error $\hat c - a^\top\beta$ is Gaussian with variance
# $\sigma^2/\|\mathbf g\|^2$, and $\mathbb E[1/\|\mathbf g\|^2] = 1/(n-2)$ (the mean of an
# inverse $\chi^2_n$). So the excess risk of the dense model is $\sigma^2/(n-2)$.
#
# **Pruning.** $|\hat\beta_i| \propto |a_i|$ and $\hat\Sigma_{ii}\hat\beta_i^2\propto a_i^4$,
# so magnitude and Hessian pruning keep the same set $S$: the $s$ largest $|a_i|$. The
# pruned model keeps the share
#
# $$
# \rho = \frac{\|a_S\|^2}{\|a\|^2}
# $$
#
# of the prediction, $x^\top\hat\beta^{\mathcal P} = \rho\,g\,\hat c$, and its excess risk
# is $\mathbb E\,(a^\top\beta - \rho\,\hat c)^2$. Splitting
# $a^\top\beta - \rho\hat c = (1-\rho)\,a^\top\beta - \rho\,(\hat c - a^\top\beta)$, whose
# cross term has mean zero,
#
# $$
# \mathbb E\,\mathcal L(\hat\beta^{\mathcal P}) - \mathcal L(\beta)
# = \underbrace{(1-\rho)^2\,(a^\top\beta)^2}_{\text{missing predictions}}
# + \rho^2\,\frac{\sigma^2}{n-2}.
# $$ (eq-lemma1-prune)
#
# The pruned copies carried a share $1-\rho$ of the prediction; without them the model is
# biased, however many samples it saw.
#
# **Retraining.** Least squares on the kept columns $X_S = \mathbf g\,a_S^\top$ gives
# $\hat\beta^{RT} = \hat c\,a_S/\|a_S\|^2$ with the *same* $\hat c$, so its prediction is
# again $g\,\hat c$:
#
# $$
# \mathbb E\,\mathcal L(\hat\beta^{RT}) - \mathcal L(\beta) = \frac{\sigma^2}{n-2}
# = \mathbb E\,\mathcal L(\hat\beta) - \mathcal L(\beta),
# $$ (eq-lemma1-retrain)
#
# for any support with $a_S\neq 0$. Retraining lets the kept copies take over the
# predictions of the dropped ones, here perfectly. The paper states the lemma
# asymptotically, with $1/n$ in place of $1/(n-2)$; the version above is exact for every
# $n \ge 3$.
#
# We check both formulas with the generic pipeline of `general_sigma`: it draws the design
# from $\Sigma = aa^\top$, fits min-norm least squares (by pseudo-inverse, since the design
# has rank one), prunes by magnitude and refits on the same samples. Here $a_i =
# \sqrt{\lambda_i}$ with $\lambda_i$ uniform on $[0.5, 2]$, $\beta$ has i.i.d.
# $\mathcal N(0, 1/p)$ entries, and the sizes are those of the parameter cell
# ($n = 20$, $p = 50$, $s = 10$, $\sigma = 0.5$, 20,000 training sets).

# %% tags=["nbval-check-output"]
lemma_rng = np.random.default_rng(seed + 1)
a = np.sqrt(lemma_rng.uniform(0.5, 2.0, lemma_p))
lemma_beta = lemma_rng.standard_normal(lemma_p) / np.sqrt(lemma_p)
lemma = dict(a=a, beta=lemma_beta, sigma=lemma_sigma, n=lemma_n, s=lemma_s)
lemma_theory = correlated.lemma1_excess(**lemma)
lemma_sim = correlated.simulate_lemma1(**lemma, trials=lemma_trials, rng=lemma_rng)
print(f"kept share rho = {lemma_theory['rho']:.4f}, (a^T beta)^2 = {(a @ lemma_beta) ** 2:.4f}")
for key in ("dense", "pruned", "retrained"):
    mean, se = lemma_sim[key]
    z = (mean - lemma_theory[key]) / se
    verdict = "within 3 s.e." if abs(z) < 3 else "OUTSIDE 3 s.e."
    print(f"{key:9s} excess risk: theory {lemma_theory[key]:.5f}, simulation {mean:.5f} "
          f"+- {se:.5f} (z = {z:+.1f}) -> {verdict}")

# %% [markdown]
# The simulated excess risks agree with {eq}`eq-lemma1-prune` and {eq}`eq-lemma1-retrain`
# within three standard errors, and same-sample retraining reproduces the dense
# predictions exactly. Pruning is ten times worse than the dense model here, almost all of
# it from the missing predictions $(1-\rho)^2(a^\top\beta)^2$.
#
# (sec-equicorrelated)=
# ## From independent to perfectly correlated features
#
# Lemma 1 and the diagonal LGP are two ends of one road. We travel it with the
# equicorrelated family
#
# $$
# \Sigma_c = (1-c)\,\mathrm{diag}(\lambda) + c\,aa^\top,\qquad a_i = \sqrt{\lambda_i},
# \qquad c\in[0, 1],
# $$ (eq-sigma-c)
#
# in which every feature keeps its variance $\lambda_i$ and every pair of features has
# correlation $c$. Equivalently $x_i = \sqrt{\lambda_i}\,(\sqrt c\,g_0 + \sqrt{1-c}\,g_i)$
# with independent standard Gaussians: one shared factor $g_0$ and one private factor per
# feature. At $c = 0$ this is the diagonal problem of the linear-theory chapter, at $c = 1$
# it is Lemma 1.
#
# The spiked spectrum of the linear-theory chapter is used: $\lambda_i = 10$ for the first
# $s = 20$ features and $1$ for the other 180, $p = 200$ features in all, $n = 100$
# samples (so $p = 2n$), noise $\sigma = 0.5$ and $\beta\propto\mathbf 1$. The signal
# variance $\beta^\top\Sigma_c\beta$ grows quickly with $c$ (all features point the same
# way), so we rescale $\beta$ to keep it equal to 1 at every $c$: the signal-to-noise ratio
# is then $1/\sigma^2 = 4$ all along and only the correlation changes. At each $c$ the
# theory uses 400 draws of the predicted law; the simulation averages 150 training sets,
# each pruned to $s = 20$ weights by magnitude and by Hessian score, and refitted both on
# the same sample and on a fresh one of the same size.

# %%
lam = np.where(np.arange(p) < s, spike, 1.0)


def family_problem(c):
    """Moments of the LGP with covariance Sigma_c, beta prop. to 1 scaled to unit signal."""
    cov = correlated.equicorrelated_cov(lam, c)
    beta = np.ones(p) / np.sqrt(np.ones(p) @ cov @ np.ones(p))
    return general_sigma.lgp_moments(cov, beta, sigma), beta


kinds = ("pruned", "retrained", "fresh")
theory = {k: {kind: [] for kind in ("pruned", "retrained")} for k in general_sigma.METHODS}
theory_se = {k: {kind: [] for kind in ("pruned", "retrained")} for k in general_sigma.METHODS}
sim = {k: {kind: [] for kind in kinds} for k in general_sigma.METHODS}
sim_se = {k: {kind: [] for kind in kinds} for k in general_sigma.METHODS}
dense_theory, dense_sim, shared_error, private_error = [], [], [], []
for c in c_grid:
    m, beta = family_problem(c)
    out = general_sigma.pruning_theory(m, n, s, rng, draws=theory_draws)
    dense_theory.append(out["dense"])
    X, y = general_sigma.sample_gaussian(m, n, rng, batch=(trials,))
    X_fresh, y_fresh = general_sigma.sample_gaussian(m, n, rng, batch=(trials,))
    fits = general_sigma.train_prune_retrain(X, y, s, X_fresh=X_fresh, y_fresh=y_fresh)
    dense_sim.append(general_sigma.risk(fits["dense"], m).mean())
    for k in general_sigma.METHODS:
        for kind in ("pruned", "retrained"):
            theory[k][kind].append(out[k][kind][0])
            theory_se[k][kind].append(out[k][kind][1])
        for kind in kinds:
            r = general_sigma.risk(fits[k][kind], m)
            sim[k][kind].append(r.mean())
            sim_se[k][kind].append(r.std(ddof=1) / np.sqrt(trials))
    # split the magnitude-pruned error (theory) into the shared direction, c (a^T(theta-beta))^2,
    # and the private ones, (1-c) sum_i lam_i (theta_i - beta_i)^2
    theta = general_sigma.dc_law(m, n).sample(theory_draws, rng)
    err = theta * general_sigma.prune_mask(theta, s, "magnitude") - beta
    shared_error.append(np.mean(c * (err @ np.sqrt(lam)) ** 2))
    private_error.append(np.mean((1 - c) * (err**2) @ lam))
c_arr = np.array(c_grid)
lemma_end = correlated.lemma1_excess(np.sqrt(lam), family_problem(1.0)[1], sigma, n, s)

# %%
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
colors = {"magnitude": "tab:purple", "hessian": "tab:olive"}
ax.plot(c_arr, dense_theory, color="k", label="dense (theory)")
ax.plot(c_arr, dense_sim, "ko", ms=4)
for k, col in colors.items():
    ax.plot(c_arr, theory[k]["pruned"], color=col, label=f"{k}: prune (theory)")
    ax.plot(c_arr, sim[k]["pruned"], "o", color=col, ms=4)
    ax.plot(c_arr, theory[k]["retrained"], "--", color=col, label=f"{k}: prune+retrain (theory)")
    ax.plot(c_arr, sim[k]["fresh"], "s", mfc="none", color=col, ms=5)
    ax.plot(c_arr, sim[k]["retrained"], "x", color=col, ms=5)
ax.plot([1.0], [sigma**2 + lemma_end["pruned"]], "*", color="tab:red", ms=11,
        label="Lemma 1 at c = 1: prune")
ax.plot([1.0], [sigma**2 + lemma_end["retrained"]], "*", color="tab:green", ms=11,
        label="Lemma 1 at c = 1: retrain = dense")
ax.set_xscale("symlog", linthresh=0.01)
ax.set_yscale("log")
ax.set_xlabel("correlation c")
ax.set_ylabel("test risk (sigma^2 = 0.25 included)")
ax.set_title("lines: theory; o: simulated; squares: fresh refit; x: same-sample refit",
             fontsize=9)
ax.legend(fontsize=7)
ax2.plot(c_arr, theory["magnitude"]["pruned"], color="tab:purple", label="prune: total risk")
ax2.plot(c_arr, shared_error, ":", color="tab:red", label="prune: shared-direction error")
ax2.plot(c_arr, sigma**2 + np.array(private_error), "-.", color="tab:blue",
         label="prune: sigma^2 + private-direction error")
ax2.plot(c_arr, theory["magnitude"]["retrained"], "--", color="tab:purple",
         label="prune + retrain")
ax2.set_xscale("symlog", linthresh=0.01)
ax2.set_yscale("log")
ax2.set_xlabel("correlation c")
ax2.set_ylabel("risk, magnitude pruning (theory)")
ax2.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# The left panel shows risk against the correlation $c$ (symmetric-log axis, linear below
# $0.01$); lines are the theory, markers the simulation. The right panel splits the risk of
# the magnitude-pruned model, $\sigma^2 + (1-c)\sum_i\lambda_i(\theta_i-\beta_i)^2 +
# c\,(a^\top(\theta-\beta))^2$, into its private and shared parts (theory). The claim check
# below gives the crossover and the worst gap between theory and simulation.

# %% tags=["nbval-check-output"]
for k in general_sigma.METHODS:
    c_star = correlated.crossover(c_arr, theory[k]["pruned"], theory[k]["retrained"])
    c_sim = correlated.crossover(c_arr, sim[k]["pruned"], sim[k]["fresh"])
    gap0 = theory[k]["retrained"][0] - theory[k]["pruned"][0]
    print(f"{k}: at c=0 retraining costs {gap0:+.3f} (theory); crossover c* = {c_star:.3f} "
          f"(theory), {c_sim:.3f} (simulated, fresh refit)")
    for kind, simkind in (("pruned", "pruned"), ("retrained", "fresh")):
        th, sm = np.array(theory[k][kind]), np.array(sim[k][simkind])
        rel = np.abs(sm - th) / th
        j = int(np.argmax(rel))
        print(f"   {kind:9s}: worst |sim - theory| / theory = {rel[j]:.3f} at c = {c_arr[j]}; "
              f"median {np.median(rel):.3f}")
    same_vs_fresh = np.array(sim[k]["retrained"]) / np.array(sim[k]["fresh"]) - 1
    print(f"   same-sample refit vs fresh refit: {same_vs_fresh[0]:+.1%} at c = 0, "
          f"{same_vs_fresh[-1]:+.1%} at c = {c_arr[-1]}")
print(f"dense: worst |sim - theory| / theory = "
      f"{np.max(np.abs(np.array(dense_sim) / np.array(dense_theory) - 1)):.3f}")

# %% [markdown]
# ### Reading the figure
#
# **Theory against simulation.** The Monte Carlo theory of the general law
# {eq}`eq-general-dc` and Def. 5 follow the simulated risks across the whole range: the
# dense curve and the retraining curves within a few percent; the pruned curves within a
# few percent up to $c\approx 0.9$ and less well as $c\to 1$, where the pruned risk is
# dominated by rare, large errors and both averages are noisy. Retraining on a fresh
# sample is what the theory describes; the same-sample refit is close to it at small $c$
# and 20–30 % worse at large $c$ (the refit reuses the noise that chose the support).
#
# **The crossover.** At $c = 0$ retraining costs risk, as in the diagonal chapter: it
# re-estimates $s$ weights from $n$ samples with effective noise
# $\sigma_S^2 = \sigma^2 + \sum_{i\notin S}\lambda_i\beta_i^2$ and gains nothing, because
# the dropped features' signal cannot be predicted from the kept ones. As soon as the
# features share a factor, part of every dropped feature's prediction is the shared factor,
# which the kept features also carry. Min-norm least squares spreads the shared factor's
# coefficient over *all* $p$ features (as in Lemma 1, in proportion to $a$), so pruning
# $p - s$ of them removes most of it: in the right panel the error
# $c\,(a^\top(\hat\beta^{\mathcal P}-\beta))^2$ along the shared direction (dotted) jumps
# up with the first bit of correlation and soon makes up half or more of the pruned
# model's risk, while the private part shrinks. Retraining re-fits the
# kept weights to the labels, so they absorb the dropped features' share of the
# prediction: $\beta^\star_S$ of {eq}`eq-retrain-target` puts the whole shared coefficient
# on the kept features and $\sigma_S^2$ shrinks. The crossover $c^\star$ printed above
# (about $0.05$ for magnitude and $0.07$ for Hessian pruning, which keeps the
# high-variance features and so loses less) is where the missing shared predictions start
# to cost more than the variance of the refit; the simulated crossover agrees. It is small
# because with $p = 200$ positively aligned features the shared factor carries most of
# the signal as soon as $c\,p \gg 1$. Beyond $c\approx 0.1$ the retrained model is even
# better than the dense one: the dense interpolator fits the noise with the private
# directions, the $s$-weight refit cannot.
#
# **The two singular ends.** Neither curve tends to Lemma 1's value (the stars) as
# $c\to 1$. For $c<1$ and $p>n$ the min-norm solution interpolates the noise with the
# private factors, whose variances $(1-c)\lambda_i$ vanish; the coefficients it needs for
# that grow like $1/\sqrt{1-c}$ and cancel along the shared direction. Pruning breaks the
# cancellation, so the pruned risk *explodes* as $c\to 1$, while at $c = 1$ there is
# nothing to interpolate with and Lemma 1's finite bias remains. Retraining, in turn,
# tends to $\sigma^2(n-1)/(n-s-1)$, the cost of fitting $s$ free weights, while at $c = 1$
# the refit has a single effective weight and matches the dense risk. The lemma describes
# the exact rank-one problem, not the limit of nearly rank-one ones; its message, that
# correlation is what makes retraining worthwhile, holds along the whole family above
# $c^\star$.
