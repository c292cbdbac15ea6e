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
# For linear regression with Gaussian features this question has an exact asymptotic
# answer: every coordinate of the minimum-norm least-squares solution behaves like a
# *shrunk, noisy copy* of the true coefficient, with a shrinkage factor and a noise level
# fixed by two scalar equations. {cite:t}`chang2021provable` call this the
# *distributional characterization* (DC). This chapter
#
# 1. sets up the linear Gaussian problem and its min-norm solution;
# 2. derives the DC with the convex Gaussian min-max theorem (CGMT)
#    {cite:p}`thrampoulidis2015regularized`, step by step, and solves its fixed point;
# 3. checks it three ways: standardized coefficients against $\mathcal N(0,1)$, the
#    double-descent curve of the dense risk against simulation, and the isotropic closed
#    form of {cite:t}`hastie2019surprises`.
#
# The next chapter, {ref}`chap-lgp-pruning`, uses the DC to predict the risk of pruned
# models. All computations are in `prunedd_utils.theory.lgp`; this chapter runs on the CPU
# in well under a minute (sizes are stated with each experiment).

# %% tags=["parameters"]
n = 200  # training samples
P = 1000  # features available; the model uses the first p of them
sigma = 1.0  # standard deviation of the label noise
trials = 40  # simulated data sets per marker
n_markers = 14  # values of p simulated on the double-descent curve
hist_p = 600  # features in the coefficient-histogram check (p > n)
hist_trials = 20  # data sets pooled in the histogram
seed = 0  # seeds every random draw of the chapter

# %% [markdown]
# The defaults take about half a minute on two CPU cores. A larger run (finer curves, more
# trials; a few minutes on a workstation) is
# `papermill notebooks/01_lgp_theory.ipynb out.ipynb -p n 400 -p P 2000 -p trials 200 -p n_markers 30`.
# Nothing here needs a GPU.

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from prunedd_utils.plotting import COLORS, use_style
from prunedd_utils.theory import lgp

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
# Theorem 1 makes this rigorous for test functions of polynomial growth. The finite-$p$
# version {eq}`eq-dc` is its Definition 4, which is what `lgp.dc_moments` returns (for $p<n$
# it returns the exact moments {eq}`eq-under-exact`).
#
# ## Solving the fixed point
#
# `lgp.solve_zeta` finds the root of {eq}`eq-fixed-point` with Brent's method in
# $\log\zeta$ (the root becomes tiny as $p\downarrow n$, and a logarithmic bracket keeps its
# relative precision); `lgp.dense_tau2` then evaluates {eq}`eq-tau2`. As a running example
# we use a spectrum that is not isotropic: $\lambda_i$ spaced log-uniformly in
# $[0.2,5]$ in a random order, and $\beta_i\sim\mathcal N(0,1/50)$, fixed once (so that
# $\|\beta\|^2\approx P/50=20$ and $\sum_i\lambda_i\beta_i^2\approx 30$ signal against
# $\sigma^2=1$ noise).

# %%
rng = np.random.default_rng(seed)
lam = rng.permutation(np.geomspace(0.2, 5.0, P))
beta = rng.normal(0.0, np.sqrt(1 / 50), P)


def reduced(p):
    """The problem seen by a model on the first p features: (lam, beta, effective sigma)."""
    return lam[:p], beta[:p], np.sqrt(sigma**2 + np.sum(lam[p:] * beta[p:] ** 2))


# %% tags=["nbval-check-output"]
for p in (201, 250, 400, hist_p, P):
    lam_p, beta_p, sig_p = reduced(p)
    zeta = lgp.solve_zeta(lam_p, n)
    residual = np.sum(lam_p / (lam_p + zeta)) - n
    xi = 1 / zeta
    paper_form = (p / n) * np.mean(xi * lam_p / (1 + xi * lam_p))  # eq. (8): equals 1
    print(f"p={p:5d}  zeta={zeta:8.4g}  |residual|<1e-9: {abs(residual) < 1e-9}  "
          f"kappa*E[xi L/(1+xi L)]={paper_form:.6f}  tau^2={lgp.dense_tau2(lam_p, beta_p, sig_p, n):.4g}")

# %% [markdown]
# The implicit ridge $\zeta$ grows with $p$: the more features share the interpolation, the
# more each coordinate is shrunk. Near the threshold ($p=201$) it is tiny and $\tau^2$ is
# large.
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
print(f"{standardized.size} standardized coefficients: mean {standardized.mean():+.3f}, "
      f"variance {standardized.var():.3f}")
print(f"KS statistic against N(0,1): {ks.statistic:.4f} (5 % critical value {critical:.4f}) "
      f"-> {'consistent with N(0,1)' if ks.statistic < critical else 'rejected'}")

# %%
fig, ax = plt.subplots(figsize=(5.5, 3.5))
grid = np.linspace(-4.5, 4.5, 300)
ax.hist(standardized, bins=80, density=True, color="tab:blue", alpha=0.55,
        label=f"simulation, n={n}, p={hist_p}")
ax.plot(grid, stats.norm.pdf(grid), color="black", label=r"$\mathcal{N}(0,1)$")
ax.set_xlabel(r"$(\hat\beta_i-\mu_i)/\sqrt{v_i}$")
ax.set_ylabel("density")
ax.set_title("Min-norm coefficients, standardized by the DC")
ax.legend()
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
# theory line is {eq}`eq-under-exact` for $p<n$ and {eq}`eq-tau2` for $p>n$, each applied to
# the reduced problem {eq}`eq-sigma-p`; markers are means over `trials` simulated data sets
# (defaults: 40 data sets of $n=200$ samples, $P=1000$ features, at 14 values of $p$) with
# error bars of two standard errors.

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
fig, ax = plt.subplots()
ax.plot(p_line, dense_line, color=COLORS["dense"], label="theory (DC)")
ax.errorbar(p_mark, sim_mean, yerr=2 * sim_se, fmt="o", color=COLORS["dense"], ms=4,
            capsize=2, label=f"simulation ({trials} trials, ±2 s.e.)")
ax.axvline(n, ls=":", color="gray", label="$p=n$")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("features used, $p$")
ax.set_ylabel(r"test risk $\mathcal{L}(\hat\beta)$")
ax.set_title(f"Dense min-norm least squares (n={n}, P={P}, σ={sigma})")
ax.legend()
plt.show()

# %% tags=["nbval-check-output"]
far = np.abs(p_mark - n) >= 0.25 * n
gap = np.abs(sim_mean - dense_mark)
ok = gap <= 3 * sim_se + 0.03 * dense_mark
worst = np.argmax(gap / dense_mark * far)
print(f"p at least n/4 away from n: {far.sum()} markers; all within 3 s.e. + 3 %: {bool(ok[far].all())}")
print(f"worst relative gap {gap[worst] / dense_mark[worst]:.3%} at p={p_mark[worst]} "
      f"({gap[worst] / sim_se[worst]:.2f} s.e.)")
near = lgp.theory_curve(lam, beta, sigma, n, [n - 10, n + 10, P])
print(f"theory risk at p=n-10: {near[0]:.4g}, at p=n+10: {near[1]:.4g}, at p=P: {near[2]:.4g}")

# %% [markdown]
# Left of the peak, each added feature removes its own signal $\lambda_i\beta_i^2$ (about
# $0.03$ on average here) from the effective noise but costs about $\sigma_p^2/n\approx0.15$
# of estimation variance, so the risk creeps up, then explodes at $p=n$, where least
# squares must interpolate with a barely invertible design. Right of the peak the risk falls
# again, and at $p=P$ it is lower than anything the under-parameterized models reach: the
# double-descent shape of {cite:p}`belkin2019reconciling`. The simulated means sit on the
# theory line across the whole range, including the right branch where the DC is only
# asymptotically exact.
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
print("package against the closed form (both sides of n): "
      + ("agree to machine precision (relative difference below 1e-12)" if worst_closed < 1e-12
         else f"max relative difference {worst_closed:.1e}"))
print("DC minus exact finite-n risk, relative, at p = 250 ... 4000: "
      + ", ".join(f"{r:+.2%}" for r in rel_exact))

# %% [markdown]
# The package reproduces the closed form to rounding error on both sides of the threshold.
# The asymptotic formula differs from the exact finite-$n$ risk by the replacement of
# $p-n-1$ with $p-n$ in the noise term, a relative error of at most $1/(p-n)$: below 2 % at
# $p=250$ and negligible further out. This is the size of the finite-$n$ error of the DC on
# the over-parameterized side, and it is why the agreement checks of this book allow a few
# percent of systematic error on top of the Monte Carlo error.
#
# ## Summary
#
# * For $p<n$, least squares is unbiased with exact risk $\sigma_p^2(n-1)/(n-p-1)$.
# * For $p>n$, the min-norm interpolator acts as ridge regression with an implicit penalty
#   $\zeta$ solving $\sum_i\lambda_i/(\lambda_i+\zeta)=n$; each coordinate is Gaussian with
#   the mean and variance of {eq}`eq-dc`, and the risk is $\tau^2$ of {eq}`eq-tau2`.
# * Coefficients, risks and the isotropic closed form all agree with simulation.
#
# Because the DC describes every coordinate, it also predicts what happens when we keep
# only the largest ones. That is the subject of {ref}`chap-lgp-pruning`.
