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
# (chap-lgp-theory)=
# # The distributional characterization of min-norm least squares
#
# To decide whether a large model pruned to $s$ weights beats a model trained with $s$
# weights from the start, we first need to know what the large model's weights look like.
# For linear regression with Gaussian features this question has an asymptotic answer,
# exact in the limit of many samples and features: every coordinate of the minimum-norm least-squares solution behaves like a
# *shrunk, noisy copy* of the true coefficient, with a shrinkage factor and a noise level
# fixed by two scalar equations. {cite:t}`chang2021provable` call this the
# *distributional characterization* (DC). This chapter
#
# 1. sets up the linear Gaussian problem and its min-norm solution;
# 2. derives the DC with the convex Gaussian min-max theorem (CGMT)
#    {cite:p}`thrampoulidis2015regularized`, step by step, and solves its fixed point;
# 3. checks it three ways: standardized coefficients against $\mathcal N(0,1)$, the
#    double-descent curve of the dense risk against simulation, and the isotropic closed
#    form of {cite:t}`hastie2019surprises`;
# 4. measures how fast the gap between this asymptotic prediction and a finite simulation
#    closes as the problem grows at a fixed shape.
#
# The next chapter, {ref}`chap-lgp-pruning`, uses the DC to predict the risk of pruned
# models. All computations are in `prunedd_utils.theory.lgp`; this chapter runs on one CPU
# core in a minute or two (sizes are stated with each experiment).

# %% tags=["parameters"]
n = 200  # training samples
P = 1000  # features available; the model uses the first p of them
sigma = 1.0  # standard deviation of the label noise
trials = 40  # simulated data sets per marker
n_markers = 14  # values of p simulated on the double-descent curve
hist_p = 600  # features in the coefficient-histogram check (p > n)
hist_trials = 20  # data sets pooled in the histogram
seed = 0  # seeds every random draw of the chapter
conv_ns = (50, 100, 200, 400, 800, 1600)  # sample sizes of the convergence check (Check 4)
conv_kappa = 3.0  # p / n in the convergence check
conv_trials = 16  # data sets at the largest n; smaller n get (max n / n)^1.5 times more
conv_groups = 3  # equal-count groups of features by variance lambda_i in Check 4

# %% [markdown]
# With the defaults the chapter takes a minute or two on one CPU core; most of it is the
# largest problem of Check 4. A larger run (finer curves, more
# trials; a few minutes on a workstation) is
# `papermill notebooks/01_lgp_theory.ipynb out.ipynb -p n 400 -p P 2000 -p trials 200 -p n_markers 30`,
# and `-p conv_trials 64` shrinks the error bars of Check 4 by half (about four times the
# time). Nothing here needs a GPU.

# %%
import matplotlib.pyplot as plt
import numpy as np
from myst_nb import glue
from scipy import stats

from prunedd_utils.plotting import COLORS, check_legible, use_style
from prunedd_utils.theory import lgp
from prunedd_utils.theory.lgp import convergence

use_style()

# %% [markdown]
# ## The linear Gaussian problem
#
# A *linear Gaussian problem* (LGP) has features $x\sim\mathcal N(0,\Sigma)$ in
# $\mathbb R^P$ and labels $y=\langle x,\beta\rangle+\sigma z$ with independent
# $z\sim\mathcal N(0,1)$. We take $\Sigma=\operatorname{diag}(\lambda_1,\dots,\lambda_P)$
# throughout: the features are independent, and $\lambda_i$ is the variance of feature
# $i$. For any weight vector $\theta$ the population risk is
#
# $$
# \mathcal L(\theta)=\mathbb E\,(y-\langle x,\theta\rangle)^2=\sigma^2+(\theta-\beta)^\top\Sigma(\theta-\beta)
# =\sigma^2+\sum_i\lambda_i(\theta_i-\beta_i)^2 ,
# $$ (eq-lgp-risk)
#
# always at least $\sigma^2$; every risk in this book includes $\sigma^2$.
#
# We observe $n$ samples, stacked into $X\in\mathbb R^{n\times p}$ and $y\in\mathbb R^n$,
# and fit least squares on the first $p$ features. When $p>n$ the training loss has many
# zeros, and we take the one of smallest Euclidean norm,
#
# $$
# \hat\beta=\arg\min_\theta\ \|\theta\|_2\quad\text{subject to}\quad X\theta=y,
# \qquad \hat\beta=X^\top(XX^\top)^{-1}y ,
# $$ (eq-min-norm)
#
# which is also where gradient descent from zero converges. When $p<n$ the minimiser is
# unique, $\hat\beta=(X^\top X)^{-1}X^\top y$. `lgp.min_norm` solves a whole batch of these
# problems with one LAPACK call on the $n\times n$ Gram system (if $p>n$) or the $p\times p$
# normal equations (if $p<n$).
#
# **Unused features are noise.** The features $p+1,\dots,P$ are independent of the first
# $p$, so for a model that only sees $x_{[p]}$ their contribution to $y$ is one more
# independent Gaussian term:
#
# $$
# y=\langle x_{[p]},\beta_{[p]}\rangle+\varepsilon,\qquad
# \varepsilon\sim\mathcal N(0,\sigma_p^2),\qquad
# \sigma_p^2=\sigma^2+\sum_{i>p}\lambda_i\beta_i^2 .
# $$ (eq-sigma-p)
#
# Everything below is therefore stated for a problem in which all $p$ features are used and
# the noise level is $\sigma_p$; we write $\sigma$ for it to keep the notation light.
#
# ## The under-parameterized side, exactly
#
# For $p<n$, $\hat\beta-\beta=(X^\top X)^{-1}X^\top\varepsilon$ with $\varepsilon$
# independent of $X$. Conditionally on $X$ this is Gaussian with covariance
# $\sigma^2(X^\top X)^{-1}$, and $X^\top X$ is Wishart, so
# $\mathbb E(X^\top X)^{-1}=\Sigma^{-1}/(n-p-1)$ for $p<n-1$. Plugging into
# {eq}`eq-lgp-risk`:
#
# $$
# \mathbb E\,\mathcal L(\hat\beta)=\sigma^2\Big(1+\frac{p}{n-p-1}\Big)=\sigma^2\,\frac{n-1}{n-p-1},
# \qquad
# \operatorname{Var}\hat\beta_i=\frac{\sigma^2}{(n-p-1)\lambda_i}.
# $$ (eq-under-exact)
#
# Each coordinate is exactly a scaled Student $t$ variable with $n-p+1$ degrees of
# freedom (because $1/[(X^\top X)^{-1}]_{ii}\sim\lambda_i\chi^2_{n-p+1}$). As $n,p\to\infty$
# with $p/n\to\kappa<1$ the risk tends to $\sigma^2/(1-\kappa)$, the familiar left branch of
# double descent. **The book plots the exact finite-$n$ forms** {eq}`eq-under-exact` for
# $p<n$ (`exact=True`, the default of `lgp.dense_tau2` and `lgp.dc_moments`); the asymptotic
# $\sigma^2 n/(n-p)$ is available with `exact=False`. For $p>n$ there is no exact
# finite-$n$ formula for a general diagonal $\Sigma$, and the book uses the DC derived next.
#
# ## The over-parameterized side: a derivation with the CGMT
#
# The DC for $p>n$ comes out of a comparison inequality for Gaussian processes. We follow
# the route of the CGMT {cite:p}`thrampoulidis2015regularized` at the level of a heuristic
# derivation: each step is what the rigorous proof makes precise, and each approximation is
# a law of large numbers in dimension $n$ or $p$.
#
# ### Step 1: whiten
#
# Write $X=Z\Sigma^{1/2}$ with $Z$ an $n\times p$ matrix of independent $\mathcal N(0,1)$
# entries, and measure the error in whitened coordinates, $w=\Sigma^{1/2}(\theta-\beta)$.
# Then $X\theta=y$ reads $Zw=\sigma z$, the objective is
# $\|\theta\|^2=\|\beta+\Sigma^{-1/2}w\|^2$, and by {eq}`eq-lgp-risk` the risk is
# $\mathcal L(\theta)=\sigma^2+\|w\|^2$. So {eq}`eq-min-norm` becomes
#
# $$
# \min_{w}\ \|\beta+\Sigma^{-1/2}w\|^2\quad\text{subject to}\quad Zw=\sigma z .
# $$
#
# ### Step 2: a min-max with a Gaussian bilinear term
#
# A Lagrange multiplier $u\in\mathbb R^n$ for the constraint turns this into
#
# $$
# \min_w\max_u\ \|\beta+\Sigma^{-1/2}w\|^2+u^\top Zw-\sigma u^\top z .
# $$
#
# All the randomness of the design sits in the bilinear form $u^\top Zw$, and the problem is
# convex in $w$ and concave (linear) in $u$. The CGMT states that the optimal value and the
# optimal $w$ of such a *primary* problem concentrate around those of an *auxiliary*
# problem in which the matrix is replaced by two independent vectors
# $g\sim\mathcal N(0,I_n)$ and $h\sim\mathcal N(0,I_p)$:
#
# $$
# u^\top Zw\quad\longrightarrow\quad \|w\|\,g^\top u+\|u\|\,h^\top w .
# $$
#
# Intuitively both sides are Gaussian processes indexed by $(u,w)$ with comparable
# covariances; Gordon's inequality turns this into a two-sided bound when convexity holds.
#
# ### Step 3: optimize out the multiplier
#
# In the auxiliary problem $u$ enters through $u^\top(\|w\|g-\sigma z)+\|u\|h^\top w$.
# Maximizing over the direction of $u$ at fixed length $r=\|u\|$ gives
# $r\big(\|\,\|w\|g-\sigma z\,\|+h^\top w\big)$, and since $g$ and $z$ are independent,
# $\|\,\|w\|g-\sigma z\,\|\approx\sqrt n\sqrt{\|w\|^2+\sigma^2}$. The maximum over $r\ge0$ is
# $0$ if the bracket is non-positive and $+\infty$ otherwise, so the multiplier enforces a
# scalar constraint:
#
# $$
# \min_w\ \|\beta+\Sigma^{-1/2}w\|^2\quad\text{subject to}\quad
# \sqrt n\,\sqrt{\sigma^2+\|w\|^2}\ \le\ -h^\top w .
# $$ (eq-ao)
#
# The $n$ interpolation constraints have collapsed into one.
#
# ### Step 4: the risk appears, and ridge regression with it
#
# Name the quantity under the square root: $\tau^2=\sigma^2+\|w\|^2$. It is the population
# risk of $\theta=\beta+\Sigma^{-1/2}w$, the number we are after. The constraint in
# {eq}`eq-ao` is active at the optimum (the unconstrained minimiser $\theta=0$ violates it),
# so introduce a multiplier $\mu>0$ and set the gradient in $\theta$ to zero:
#
# $$
# 2\theta+\mu\Big(\frac{\sqrt n}{\tau}\,\Sigma(\theta-\beta)+\Sigma^{1/2}h\Big)=0 .
# $$
#
# With $\zeta=2\tau/(\mu\sqrt n)$ this rearranges to
#
# $$
# \theta=(\Sigma+\zeta I)^{-1}\Big(\Sigma\beta-\frac{\tau}{\sqrt n}\,\Sigma^{1/2}h\Big),
# \qquad
# \theta_i=\frac{\lambda_i}{\lambda_i+\zeta}\,\beta_i-\frac{\tau}{\sqrt n}\,\frac{\sqrt{\lambda_i}}{\lambda_i+\zeta}\,h_i .
# $$ (eq-ridge-form)
#
# This is exactly ridge regression with penalty $\zeta$ in the Gaussian sequence model
# $\Sigma^{1/2}\beta+\frac{\tau}{\sqrt n}h$ (one noisy observation per coordinate). The
# min-norm interpolator carries an *implicit ridge* $\zeta$; the sign of $h$ does not
# matter since $h$ is symmetric.
#
# ### Step 5: two scalar equations
#
# Two unknowns remain, $\zeta$ and $\tau$, and two facts pin them down. In whitened
# coordinates {eq}`eq-ridge-form` gives
# $w_i=-\big(\zeta\sqrt{\lambda_i}\beta_i+\frac{\tau}{\sqrt n}\lambda_i h_i\big)/(\lambda_i+\zeta)$.
#
# * The active constraint $-h^\top w=\sqrt n\,\tau$: the $h_i\beta_i$ cross terms average
#   out and $h_i^2$ averages to one, which leaves the **fixed-point equation**
#
# $$
# \sum_{i=1}^p\frac{\lambda_i}{\lambda_i+\zeta}=n .
# $$ (eq-fixed-point)
#
# * The definition $\tau^2=\sigma^2+\|w\|^2$, with the same averaging:
#   $\tau^2=\sigma^2+\sum_i\frac{\zeta^2\lambda_i\beta_i^2}{(\lambda_i+\zeta)^2}+\frac{\tau^2}{n}\sum_i\frac{\lambda_i^2}{(\lambda_i+\zeta)^2}$,
#   which is linear in $\tau^2$:
#
# $$
# \tau^2=\frac{\sigma^2+\sum_i\dfrac{\zeta^2\lambda_i\beta_i^2}{(\lambda_i+\zeta)^2}}{1-\dfrac1n\sum_i\dfrac{\lambda_i^2}{(\lambda_i+\zeta)^2}} .
# $$ (eq-tau2)
#
# The left side of {eq}`eq-fixed-point` decreases from $p$ (at $\zeta=0$) to $0$, so a
# unique root $\zeta>0$ exists exactly when $p>n$. By {eq}`eq-fixed-point` the denominator of
# {eq}`eq-tau2` equals $\frac1n\sum_i\zeta\lambda_i/(\lambda_i+\zeta)^2>0$, and it tends to
# zero as $p\downarrow n$ (then $\zeta\to0$): the risk diverges at the interpolation
# threshold from the right, as it does from the left in {eq}`eq-under-exact`.
#
# ### The result
#
# Each coordinate of the min-norm solution is approximately
#
# $$
# \hat\beta_i\ \overset{d}{\approx}\ \mathcal N\Big(\frac{\lambda_i}{\lambda_i+\zeta}\,\beta_i,\ \
# \frac{\tau^2}{n}\,\frac{\lambda_i}{(\lambda_i+\zeta)^2}\Big),\qquad\text{independently across }i,
# $$ (eq-dc)
#
# and the test risk is $\mathcal L(\hat\beta)\approx\tau^2$: integrating
# $\lambda_i(\hat\beta_i-\beta_i)^2$ against {eq}`eq-dc` gives back {eq}`eq-tau2`. In the
# paper's notation {cite:p}`chang2021provable`, $\xi=1/\zeta$, $\kappa=p/n$, $\gamma=\tau^2$,
# and the law of $(\sqrt p\hat\beta_i,\sqrt p\beta_i,\lambda_i)$ converges to that of
# $\big(\frac{\xi\Lambda}{1+\xi\Lambda}(B+\sqrt{\kappa\gamma/\Lambda}\,H),B,\Lambda\big)$; its
# Theorem 1 makes this rigorous as a limit in probability, for pseudo-Lipschitz test
# functions, as $n,p\to\infty$ with $p/n\to\kappa$. At finite $n$ the DC is a prediction
# with an error, which Check 4 measures. The finite-$p$
# version {eq}`eq-dc` is its Definition 4, which is what `lgp.dc_moments` returns (for $p<n$
# it returns the exact moments {eq}`eq-under-exact`).
#
# ## Solving the fixed point
#
# `lgp.solve_zeta` finds the root of {eq}`eq-fixed-point` with Brent's method in
# $\log\zeta$ (the root becomes tiny as $p\downarrow n$, and a logarithmic bracket keeps its
# relative precision); `lgp.dense_tau2` then evaluates {eq}`eq-tau2`. As a running example
# we use a spectrum that is not isotropic: $\lambda_i$ spaced log-uniformly in
# $[0.2,5]$ in a random order, and $\beta_i\sim\mathcal N(0,1/50)$, drawn once. With the
# defaults this gives $\|\beta\|^2=$ {glue:text}`ch01_beta_norm2` (its expectation is $P/50$)
# and a signal $\sum_i\lambda_i\beta_i^2=$ {glue:text}`ch01_signal` against noise
# $\sigma^2=$ {glue:text}`ch01_sigma2`.

# %%
rng = np.random.default_rng(seed)
lam = rng.permutation(np.geomspace(0.2, 5.0, P))
beta = rng.normal(0.0, np.sqrt(1 / 50), P)


def reduced(p):
    """The problem seen by a model on the first p features: (lam, beta, effective sigma)."""
    return lam[:p], beta[:p], np.sqrt(sigma**2 + np.sum(lam[p:] * beta[p:] ** 2))


signal = float(np.sum(lam * beta**2))
glue("ch01_beta_norm2", f"{beta @ beta:.1f}", display=False)
glue("ch01_signal", f"{signal:.1f}", display=False)
glue("ch01_sigma2", f"{sigma**2:g}", display=False)
glue("ch01_mean_saliency", f"{signal / P:.2f}", display=False)
glue("ch01_cost_per_feature", f"{(sigma**2 + signal) / n:.2f}", display=False)


# %% tags=["nbval-check-output"]
rows, worst = [], 0.0
for p in (n + 1, 250, 400, hist_p, P):
    lam_p, beta_p, sig_p = reduced(p)
    zeta = lgp.solve_zeta(lam_p, n)
    residual = np.sum(lam_p / (lam_p + zeta)) - n
    xi = 1 / zeta
    paper_form = (p / n) * np.mean(xi * lam_p / (1 + xi * lam_p))  # eq. (8): equals 1
    worst = max(worst, abs(residual), abs(paper_form - 1) * n)
    rows.append(f"p = {p:4d}   zeta = {zeta:9.3g}   tau^2 = "
                f"{lgp.dense_tau2(lam_p, beta_p, sig_p, n):8.4g}")
print(("holds" if worst < 1e-9 else "fails") + ": the fixed point (eq-fixed-point) and the "
      "paper's eq. (8) hold to 1e-9 at every p")
print("\n".join(rows))

# %% [markdown]
# The implicit ridge $\zeta$ grows with $p$: the more features share the interpolation, the
# more each coordinate is shrunk. Just past the threshold ($p=n+1$) it is tiny and
# $\tau^2$ is large.
#
# ## Check 1: standardized coefficients are standard normal
#
# If {eq}`eq-dc` holds, the standardized coefficients
# $(\hat\beta_i-\mu_i)/\sqrt{v_i}$, with $\mu_i,v_i$ the DC mean and variance, are draws from
# $\mathcal N(0,1)$, whatever $\lambda_i$ and $\beta_i$ are. We fit the running example on
# its first `hist_p` features (defaults: $n=200$, $p=600$, so $\kappa=3$) for `hist_trials`
# independent data sets and pool the $p\times$`hist_trials` standardized coefficients.

# %%
lam_h, beta_h, sig_h = reduced(hist_p)
rng_h = np.random.default_rng(seed + 1)
X = rng_h.standard_normal((hist_trials, n, P)) * np.sqrt(lam)
y = X @ beta + sigma * rng_h.standard_normal((hist_trials, n))
beta_hat = lgp.min_norm(X[..., :hist_p], y)
mean_dc, var_dc = lgp.dc_moments(lam_h, beta_h, sig_h, n)
standardized = ((beta_hat - mean_dc) / np.sqrt(var_dc)).ravel()

# %% tags=["nbval-check-output"]
ks = stats.kstest(standardized, "norm")
critical = 1.36 / np.sqrt(standardized.size)  # 5 % level for independent draws
print(("holds" if ks.statistic < critical else "fails") + ": standardized coefficients are "
      f"consistent with N(0,1): KS {ks.statistic:.3f} < {critical:.3f} (5 % level)")
# Standard errors of the sample mean and variance of N draws: 1/sqrt(N), sqrt(2/N) ~ 0.01.
size = standardized.size
print(f"{size} coefficients: mean {standardized.mean():+.2f} (s.e. {1 / np.sqrt(size):.2f}), "
      f"variance {standardized.var():.2f} (s.e. {np.sqrt(2 / size):.2f})")

# %%
fig, ax = plt.subplots(figsize=(5.5, 3.5))
grid = np.linspace(-4.5, 4.5, 300)
ax.hist(standardized, bins=80, density=True, color="tab:blue", alpha=0.55,
        label=f"simulation, n={n}, p={hist_p}")
ax.plot(grid, stats.norm.pdf(grid), color="black", label=r"$\mathcal{N}(0,1)$")
ax.set_xlabel(r"$(\hat\beta_i-\mu_i)/\sqrt{v_i}$")
ax.set_ylabel("density")
ax.set_title("Min-norm coefficients, standardized by the DC")
ax.set_ylim(0, 0.55)
ax.legend(loc="upper left")
check_legible(fig)
plt.show()

# %% [markdown]
# The histogram follows the normal density, and the Kolmogorov–Smirnov statistic is below
# the 5 % critical value. (That critical value assumes independent draws; the coordinates of
# one solution share the design matrix, but their dependence is weak enough that the pooled
# sample behaves like an independent one here.) The DC is not only right on average, as the
# risk formula would need: it gets the whole distribution of every coordinate right, which
# is what pruning, a decision taken coordinate by coordinate, requires.
#
# ## Check 2: the double-descent curve of the dense model
#
# Now vary the number $p$ of features the model uses, from 1 to $P$, with $n$ fixed. The
# theory line is the exact finite-$n$ risk {eq}`eq-under-exact` for $p<n$ and the DC's
# asymptotic prediction {eq}`eq-tau2` for $p>n$, each applied to the reduced problem
# {eq}`eq-sigma-p`; markers are means over `trials` simulated data sets (defaults: 40 data
# sets of $n=200$ samples, $P=1000$ features, at 14 values of $p$) with error bars of two
# standard errors.

# %%
p_line = np.unique(np.round(np.geomspace(1, P, 400)).astype(int))
p_line = p_line[np.abs(p_line - n) > 1]
dense_line = lgp.theory_curve(lam, beta, sigma, n, p_line)
p_mark = np.unique(np.round(np.geomspace(2, P, n_markers)).astype(int))
p_mark = p_mark[np.abs(p_mark - n) >= 10]
sim = lgp.simulate_curve(lam, beta, sigma, n, p_mark, trials=trials, seed=seed + 2)["dense"]
sim_mean = sim.mean(axis=1)
sim_se = sim.std(axis=1, ddof=1) / np.sqrt(trials)
dense_mark = lgp.theory_curve(lam, beta, sigma, n, p_mark)

# %%
fig, ax = plt.subplots(figsize=(6.4, 4.0))
ax.plot(p_line, dense_line, color=COLORS["dense"],
        label="theory: exact for $p<n$, DC (asymptotic) for $p>n$")
ax.errorbar(p_mark, sim_mean, yerr=2 * sim_se, fmt="o", color=COLORS["dense"], ms=4,
            capsize=2, label=f"simulation ({trials} trials, ±2 s.e.)")
ax.axvline(n, ls=":", color="gray", label="$p=n$")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("features used, $p$")
ax.set_ylabel(r"test risk $\mathcal{L}(\hat\beta)$")
ax.set_title(f"Dense min-norm least squares (n={n}, P={P}, σ={sigma:g})")
ax.legend(loc="upper left")
check_legible(fig)
plt.show()

# %% tags=["nbval-check-output"]
far = np.abs(p_mark - n) >= 0.25 * n
gap = np.abs(sim_mean - dense_mark)
ok = gap <= 3 * sim_se + 0.03 * dense_mark
worst = np.argmax(gap / dense_mark * far)
print(("holds" if ok[far].all() else "fails") + f": all {far.sum()} markers with |p - n| >= "
      "n/4 are within 3 s.e. + 3 % of the theory line")
rel, rel_se = 100 * gap[worst] / dense_mark[worst], 100 * sim_se[worst] / dense_mark[worst]
print(f"largest relative gap: {convergence.with_error(rel, rel_se)} % at p = {p_mark[worst]} "
      f"({gap[worst] / sim_se[worst]:.1f} s.e.)")
near = lgp.theory_curve(lam, beta, sigma, n, [n - 10, n + 10, P])
under = lgp.theory_curve(lam, beta, sigma, n, np.arange(1, n - 1))
print(("holds" if near[2] < under.min() else "fails") + f": the risk at p = P, {near[2]:.3g}, "
      f"is below every p < n (least {under.min():.3g}, at p = {np.argmin(under) + 1})")
print(f"theory risk at p = n - 10: {near[0]:.3g}, at p = n + 10: {near[1]:.3g}")
glue("ch01_dd_worst_gap", convergence.with_error(rel, rel_se), display=False)
glue("ch01_dd_markers", f"{far.sum()}", display=False)

# %% [markdown]
# Left of the peak, each added feature removes its own signal $\lambda_i\beta_i^2$ (about
# {glue:text}`ch01_mean_saliency` on average here) from the effective noise but costs about
# $\sigma_p^2/n\approx$ {glue:text}`ch01_cost_per_feature` of estimation variance, so the
# risk creeps up, then explodes at $p=n$, where least squares must interpolate with a barely
# invertible design. Right of the peak the risk falls again, and at $p=P$ it is lower than
# anything the under-parameterized models reach: the double-descent shape of
# {cite:p}`belkin2019reconciling`. The simulated means sit on the theory line across the
# whole range (the largest gap among the {glue:text}`ch01_dd_markers` markers away from the
# peak is {glue:text}`ch01_dd_worst_gap` %), including the right branch, where the line is
# an asymptotic prediction evaluated at the simulation's finite $n$. Check 4 measures how
# large its finite-$n$ error is.
#
# ## Check 3: the isotropic closed form of Hastie et al.
#
# With $\Sigma=I$ everything is explicit. The fixed point {eq}`eq-fixed-point` becomes
# $p/(1+\zeta)=n$, so $\zeta=p/n-1$, and {eq}`eq-tau2` simplifies to
#
# $$
# \tau^2=\frac{\sigma^2}{1-n/p}+\|\beta\|^2\Big(1-\frac np\Big)\qquad(p>n),
# $$ (eq-isotropic)
#
# the min-norm risk of {cite:t}`hastie2019surprises` (their
# $\sigma^2\gamma/(\gamma-1)+r^2(1-1/\gamma)$ with $\gamma=p/n$, $r=\|\beta\|$, plus the
# $\sigma^2$ our risks include). For this case the exact finite-$n$ risk is also known: the
# noise term is $\sigma^2\,\mathbb E\operatorname{tr}(XX^\top)^{-1}=\sigma^2 n/(p-n-1)$
# (inverse Wishart) and the bias is exactly $\|\beta\|^2(1-n/p)$ (rotation invariance), so
# $\mathbb E\mathcal L=\sigma^2\big(1+\frac{n}{p-n-1}\big)+\|\beta\|^2(1-\frac np)$. We
# compare the package's general-$\Sigma$ code with both, for $\|\beta\|^2=1$ spread over
# all $p$ features (so no feature is missing from the model).

# %% tags=["nbval-check-output"]
rel_closed, rel_exact = [], []
for p in (250, 300, 400, 600, 1000, 4000):
    b = np.full(p, 1 / np.sqrt(p))
    tau2 = lgp.dense_tau2(np.ones(p), b, sigma, n)
    closed = sigma**2 / (1 - n / p) + (1 - n / p)
    exact = sigma**2 * (1 + n / (p - n - 1)) + (1 - n / p)
    rel_closed.append(abs(tau2 - closed) / closed)
    rel_exact.append((tau2 - exact) / exact)
for p in (20, 100, 150):
    b = np.full(p, 1 / np.sqrt(p))
    rel_closed.append(abs(lgp.dense_tau2(np.ones(p), b, sigma, n, exact=False)
                          - sigma**2 / (1 - p / n)) / (sigma**2 / (1 - p / n)))
# Package and closed form compute one number in two orders of operations: they can differ
# by a few units in the last place (~1e-15), a digit no checked output should print.
worst_closed = max(rel_closed)
print(("holds" if worst_closed < 1e-12 else "fails") + ": the package equals the closed form "
      "on both sides of n (relative difference < 1e-12)")
print("DC minus exact finite-n risk, relative, at p = 250, 300, 400, 600, 1000, 4000:")
print("  " + ", ".join(f"{100 * r:+.3f} %" for r in rel_exact))
glue("ch01_iso_gap_250", f"{100 * abs(rel_exact[0]):.1f} %", display=False)

# %% [markdown]
# The package reproduces the closed form to rounding error on both sides of the threshold.
# The asymptotic formula differs from the exact finite-$n$ expected risk by the replacement
# of $p-n-1$ with $p-n$ in the noise term, a relative error of at most $1/(p-n)$:
# {glue:text}`ch01_iso_gap_250` at $p=250$ and smaller further out. Here, with $\Sigma=I$,
# the *systematic* finite-$n$ error of the DC is known exactly, and it is $O(1/n)$ at a fixed
# ratio $p/n$. The agreement checks of this book therefore allow a few percent of systematic
# error on top of the Monte Carlo error; Check 4 measures the finite-$n$ error for the
# non-isotropic running example, where no exact formula exists.
#
# ## Check 4: how fast the asymptotic prediction becomes accurate
#
# Theorem 1 of {cite:t}`chang2021provable` is a limit: as $n,p\to\infty$ with $p/n\to\kappa$,
# averages $\frac1p\sum_i f(\sqrt p\hat\beta_i,\sqrt p\beta_i,\lambda_i)$ over the
# coefficients converge *in probability* to their DC expectation, for pseudo-Lipschitz test
# functions $f$ (of order 2 in the first two arguments). The DC curves of this book are
# therefore asymptotic predictions, evaluated at a finite $n$ with the problem's actual
# $\lambda_i,\beta_i$ (the finite-$p$ form {eq}`eq-dc`). How far is one simulated problem of
# size $n$ from them, and how fast does the gap close?
#
# We grow the running example at a fixed shape: at sample size $n$ it has $P=5n$ features
# with variances spaced log-uniformly in $[0.2,5]$, the model uses $p=\kappa n$ of them
# ($\kappa=$ {glue:text}`ch01_conv_kappa`), and $\beta_i=\sqrt{20/P}\,q_i$ with $q_i$ the
# standard-normal quantiles in random order, so that $\|\beta\|^2\approx20$ at every $n$ and
# the empirical law of $(\lambda_i,\sqrt P\beta_i)$ converges, as Theorem 1 assumes. At the
# default $n$ of this chapter it is the problem of Check 1 (for the default `conv_kappa`),
# with its random $\beta$ replaced by quantiles. For
# each $n$ (`conv_ns`, from {glue:text}`ch01_conv_nmin` to {glue:text}`ch01_conv_nmax` by
# factors of 2) we simulate data sets and record two relative gaps,
# $\text{simulation}/\text{DC}-1$:
#
# * **risk**: $\mathcal L(\hat\beta)/\tau^2-1$;
# * **coefficient law**: split the features into {glue:text}`ch01_conv_groups` equal-count
#   groups by $\lambda_i$ (smallest variances first); in each group average the test
#   functions $w^2$, $|w|$ and $w\,b$ of $w=\sqrt p\hat\beta_i$, $b=\sqrt p\beta_i$, and
#   divide by the DC expectation of the same average (closed forms of the Gaussian law
#   {eq}`eq-dc`).
#
# A gap has a systematic part, its mean over data sets, which is what averaged markers like
# those of Check 2 can see, and a fluctuation, which is what makes one data set differ from
# another. Theorem 1 says that both vanish; we measure their sum for one data set as the
# root-mean-square (rms) gap $\sqrt{\mathbb E\,\text{gap}^2}$, and the systematic part as
# the mean gap, each with its Monte Carlo standard error. A data set costs about $n^3$, so the
# number of data sets falls with $n$, from {glue:text}`ch01_conv_tmax` at the smallest $n$ to
# {glue:text}`ch01_conv_tmin` at the largest (`lgp.convergence.trial_schedule`); the Monte
# Carlo error of an rms gap is then at most {glue:text}`ch01_conv_rms_relerr` % of it. The
# computation is `lgp.convergence.convergence_study`.

# %%
study = convergence.convergence_study(conv_ns, kappa=conv_kappa, trials_at_max=conv_trials,
                                      n_groups=conv_groups, seed=seed)
ns_c, risk_c, coef_c, pooled_c = study["ns"], study["risk"], study["coef"], study["coef_pooled"]
fit_risk = convergence.fit_rate(ns_c, risk_c["rms"], risk_c["rms_se"])
fits_pooled = [convergence.fit_rate(ns_c, pooled_c["rms"][:, k], pooled_c["rms_se"][:, k])
               for k in range(3)]
glue("ch01_conv_kappa", f"{conv_kappa:g}", display=False)
glue("ch01_conv_nmin", f"{ns_c.min():,}", display=False)
glue("ch01_conv_nmax", f"{ns_c.max():,}", display=False)
glue("ch01_conv_groups", f"{conv_groups}", display=False)
glue("ch01_conv_tmax", f"{study['trials'].max():,}", display=False)
glue("ch01_conv_tmin", f"{study['trials'].min():,}", display=False)
rel_err = max(np.max(risk_c["rms_se"] / risk_c["rms"]),
              np.max(pooled_c["rms_se"] / pooled_c["rms"]))
glue("ch01_conv_rms_relerr", f"{np.ceil(100 * rel_err):.0f}", display=False)

# %%
labels = ("$w^2$", "$|w|$", "$w\\,b$")
grid_n = np.geomspace(ns_c.min(), ns_c.max(), 50)
fig, (ax_r, ax_c) = plt.subplots(1, 2, figsize=(7.0, 3.6), sharey=True)
ax_r.errorbar(ns_c, risk_c["rms"], yerr=risk_c["rms_se"], fmt="o", color=COLORS["dense"],
              ms=4, capsize=2, label="one data set: rms gap (±1 s.e.)")
ax_r.plot(grid_n, np.exp(fit_risk["log_c"]) * grid_n ** fit_risk["slope"],
          color=COLORS["dense"], lw=1, label=f"fit, slope {fit_risk['slope']:.2f}")
ax_r.plot(ns_c, np.abs(risk_c["mean"]) + 2 * risk_c["mean_se"], "v", mfc="none",
          color="gray", label="mean over data sets: |mean| + 2 s.e.")
ax_r.set_title("(a) risk")
for k, (fit, color) in enumerate(zip(fits_pooled, ("tab:blue", "tab:orange", "tab:green"),
                                     strict=True)):
    ax_c.errorbar(ns_c, pooled_c["rms"][:, k], yerr=pooled_c["rms_se"][:, k], fmt="o",
                  color=color, ms=4, capsize=2)
    ax_c.plot(grid_n, np.exp(fit["log_c"]) * grid_n ** fit["slope"], color=color, lw=1,
              label=f"{labels[k]}: fit, slope {fit['slope']:.2f}")
ax_c.set_title(f"(b) coefficient law, rms over {conv_groups} groups")
for ax in (ax_r, ax_c):
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"samples $n$ ($p={conv_kappa:g}\\,n$)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
ax_r.set_ylabel("relative gap to the DC")
check_legible(fig)
plt.show()

# %% tags=["nbval-check-output"]
z_coef = np.abs(coef_c["mean"]) / coef_c["mean_se"]
z_risk = np.abs(risk_c["mean"]) / risk_c["mean_se"]
z_cut = stats.norm.isf(0.025 / z_coef.size)  # two-sided 5 %, Bonferroni over all comparisons
slope, slope_se = fit_risk["slope"], fit_risk["slope_se"]
print(("holds" if slope + 3 * slope_se < 0 else "fails") + ": the risk gap of one data set "
      f"shrinks as n^({convergence.with_error(slope, slope_se)})")
print(f"  (the CLT rate -1/2 is {abs(slope + 0.5) / slope_se:.1f} s.e. away)")
print("per-data-set gap of the coefficient law, fitted slope by group (small to large lambda):")
for k, name in enumerate(("w^2", "|w|", "w*b")):
    fits = [convergence.fit_rate(ns_c, coef_c["rms"][:, g, k], coef_c["rms_se"][:, g, k])
            for g in range(conv_groups)]
    print(f"  {name:4s} " + "   ".join(convergence.with_error(f["slope"], f["slope_se"])
                                       for f in fits))
all_slopes = [convergence.fit_rate(ns_c, coef_c["rms"][:, g, k], coef_c["rms_se"][:, g, k])
              for g in range(conv_groups) for k in range(3)]
print(("holds" if all(f["slope"] + 3 * f["slope_se"] < 0 for f in all_slopes) else "fails")
      + f": all {len(all_slopes)} coefficient gaps shrink (slope + 3 s.e. < 0)")
for i, n_i in enumerate(ns_c):
    bound = 100 * (np.abs(risk_c["mean"][i]) + 2 * risk_c["mean_se"][i])
    print(f"  n = {n_i:4d}  data sets {study['trials'][i]:4d}  rms risk gap "
          f"{convergence.with_error(100 * risk_c['rms'][i], 100 * risk_c['rms_se'][i])} %  "
          f"|mean| < {bound:.1f} %")
resolved = np.argwhere(z_coef > z_cut)
at = sorted({int(ns_c[i]) for i, _, _ in resolved})
print(("holds" if z_risk.max() < z_cut else "fails") + ": no systematic risk gap is resolved "
      f"at any n: |mean| <= {z_risk.max():.1f} s.e. < {z_cut:.1f}")
print(("holds" if set(at) <= {int(ns_c.min())} else "fails") + ": systematic coefficient "
      f"gaps (|mean| > {z_cut:.1f} s.e.) only at the smallest n: at n = {at}")

# %%
i_n = int(np.argmin(np.abs(ns_c - n)))  # the size of Checks 1 and 2 (or the nearest)
slopes = [f["slope"] for f in all_slopes]
glue("ch01_conv_n", f"{ns_c[i_n]:,}", display=False)
glue("ch01_conv_rms_n", f"{100 * risk_c['rms'][i_n]:.0f}", display=False)
glue("ch01_conv_rms_max", f"{100 * risk_c['rms'][-1]:.1f}", display=False)
glue("ch01_conv_slope", convergence.with_error(slope, slope_se), display=False)
glue("ch01_conv_slope_lo", f"{min(slopes):.2f}", display=False)
glue("ch01_conv_slope_hi", f"{max(slopes):.2f}", display=False)
glue("ch01_conv_bound_n", f"{100 * (abs(risk_c['mean'][i_n]) + 2 * risk_c['mean_se'][i_n]):.1f}",
     display=False)
glue("ch01_conv_zrisk", f"{z_risk.max():.1f}", display=False)
bound_max = np.max(np.abs(risk_c["mean"]) + 2 * risk_c["mean_se"])
glue("ch01_conv_bound_max", f"{100 * bound_max:.1f}", display=False)
glue("ch01_conv_zcut", f"{z_cut:.1f}", display=False)
if resolved.size:
    i, g, k = max(resolved.tolist(), key=lambda r: z_coef[tuple(r)])
    sentence = (f"A systematic gap is resolved only at n = "
                f"{', '.join(str(v) for v in sorted({int(ns_c[r[0]]) for r in resolved}))}; "
                f"the largest is in group {g + 1} of {conv_groups} (by increasing variance), "
                f"where the average of {('w²', '|w|', 'w·b')[k]} is "
                f"{100 * coef_c['mean'][i, g, k]:+.1f} % off its DC value "
                f"({z_coef[i, g, k]:.1f} s.e.).")
    if k == 0 and coef_c["mean"][i, g, k] > 0 and g == 0:
        sentence += (" There the coefficients are mostly noise, and the DC's noise variance"
                     " is slightly too small at this size, much as p - n stands for"
                     " p - n - 1 in Check 3.")
else:
    sentence = "No systematic gap of the coefficient law is resolved at any n."
glue("ch01_conv_systematic", sentence, display=False)

#
# In the figure, points are rms gaps of one data set with error bars of one standard
# error, lines are power laws fitted to them (`lgp.convergence.fit_rate`, weighted least
# squares on log-log axes), and the triangles of panel (a) bound the systematic part.
#
# **Panel (a).** At $n=$ {glue:text}`ch01_conv_n`, the size of Checks 1 and 2, the risk of
# one simulated data set is typically {glue:text}`ch01_conv_rms_n` % away from the DC's
# $\tau^2$, and the gap shrinks as $n^{\text{slope}}$ with slope
# {glue:text}`ch01_conv_slope`, close to the rate $n^{-1/2}$ that a central limit theorem
# suggests, since the risk is a sum over many weakly dependent coordinates (the checked
# output above gives the distance in standard errors). At the largest size it is
# {glue:text}`ch01_conv_rms_max` %. The systematic part is far smaller: the mean over data
# sets is within {glue:text}`ch01_conv_bound_n` % of $\tau^2$ at $n=$ {glue:text}`ch01_conv_n`
# (two standard errors), and it is not resolved at any $n$ (at most
# {glue:text}`ch01_conv_zrisk` standard errors, against a threshold of
# {glue:text}`ch01_conv_zcut` that keeps the false-alarm rate of all comparisons below 5 %).
# Check 3 suggests why it is small: in the isotropic case it is $O(1/n)$.
#
# **Panel (b).** The coefficient law converges in the same way: the per-data-set gap of every
# test function in every group shrinks, with fitted slopes between
# {glue:text}`ch01_conv_slope_lo` and {glue:text}`ch01_conv_slope_hi` (table above).
# {glue:text}`ch01_conv_systematic`
#
# So the DC curves of this book are asymptotic predictions, and their finite-$n$ error comes
# in two sizes. An average over many data sets, such as a marker of Check 2, sees only the
# systematic part: for the dense risk at $\kappa=$ {glue:text}`ch01_conv_kappa` it is within
# {glue:text}`ch01_conv_bound_max` % at every size simulated here, so the 3 % allowance of
# Check 2 is generous there; closer to the threshold the systematic error grows (in the
# isotropic case of Check 3, to {glue:text}`ch01_iso_gap_250` at $p=250$). One data set,
# such as a single trained model, deviates by the rms gap, about
# {glue:text}`ch01_conv_rms_n` % at $n=$ {glue:text}`ch01_conv_n`, shrinking like
# $n^{-1/2}$. The pruned risks of the next chapter are other test functions of the same
# law; this check does not measure their gaps directly.
#
# ## Summary
#
# * For $p<n$, least squares is unbiased with exact finite-$n$ risk
#   $\sigma_p^2(n-1)/(n-p-1)$ (Gaussian designs).
# * For $p>n$, the min-norm interpolator acts, asymptotically, as ridge regression with an
#   implicit penalty $\zeta$ solving $\sum_i\lambda_i/(\lambda_i+\zeta)=n$; each coordinate
#   is Gaussian with the mean and variance of {eq}`eq-dc`, and the risk is $\tau^2$ of
#   {eq}`eq-tau2`. These are limits (Theorem 1), evaluated at finite $n$.
# * Coefficients, risks and the isotropic closed form all agree with simulation. The gap of
#   one data set to the DC shrinks like $n^{-1/2}$ (slope {glue:text}`ch01_conv_slope` for
#   the risk); averaged over data sets no risk gap is resolved at any size we simulate.
#
# Because the DC describes every coordinate, it also predicts what happens when we keep
# only the largest ones. That is the subject of {ref}`chap-lgp-pruning`.
