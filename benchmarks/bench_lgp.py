"""Benchmark of the LGP code: the theory panel of Figs. 3/7 and the batched min-norm solver.

Run ``python benchmarks/bench_lgp.py``. Each part times a naive baseline and the fast path in
the same run and prints the ratio (best of a few repeats, wall time).

1. A complete panel of theory curves, setting (b) of Fig. 3 (P = 1000, n = 200, s = 40, 100
   values of p, dense + three pruning methods + three retrained versions) with
   ``lgp.theory_curve``, against (i) a per-p loop of the scalar ``lgp.theory_risk`` and
   (ii) the same panel with retraining computed by sampling Def. 5 (400 DC draws per p).
2. Min-norm least squares for 40 trials at n = 200, p = 1000: ``lgp.min_norm`` (one batched
   Gram solve) against ``np.linalg.pinv`` per trial.
"""

from __future__ import annotations

import time

import numpy as np

from prunedd_utils.theory import lgp

N, S, BIG_P, C, SIGMA = 200, 40, 1000, 10.0, 1.0
CURVES = [("dense", False), ("magnitude", False), ("hessian", False), ("oracle", False),
          ("magnitude", True), ("hessian", True), ("oracle", True)]


def best_of(func, repeats: int = 3) -> float:
    """Smallest wall time of ``repeats`` calls (the least disturbed by other processes)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def hundred_ps() -> np.ndarray:
    """100 distinct values of p in [1, P], log-spaced, without p = n."""
    for count in range(100, 400):
        ps = np.unique(np.round(np.geomspace(1, BIG_P, count)).astype(int))
        ps = ps[ps != N]
        if ps.size >= 100:
            return ps[np.linspace(0, ps.size - 1, 100).round().astype(int)]
    raise RuntimeError("could not pick 100 values of p")


def panel_fast(lam, beta, ps):
    return [lgp.theory_curve(lam, beta, SIGMA, N, ps, None if m == "dense" else S, m, rt)
            for m, rt in CURVES]


def panel_loop(lam, beta, ps):
    return [[lgp.theory_risk(lam, beta, SIGMA, N, int(p), None if m == "dense" else S, m, rt)
             for p in ps] for m, rt in CURVES]


def panel_sampled_retraining(lam, beta, ps):
    curves = [lgp.theory_curve(lam, beta, SIGMA, N, ps, None if m == "dense" else S, m, rt)
              for m, rt in CURVES if not (rt and m != "oracle")]
    for m in ("magnitude", "hessian"):
        curves.append([lgp.dc_retrain_risk_mc(lam, beta, SIGMA, N, int(p), S, m, draws=400)
                       for p in ps])
    return curves


def main() -> None:
    lam = np.ones(BIG_P)
    lam[:S] = C
    beta = np.ones(BIG_P)
    ps = hundred_ps()
    panel_fast(lam, beta, ps)  # warm-up (imports, BLAS threads)

    fast = best_of(lambda: panel_fast(lam, beta, ps))
    loop = best_of(lambda: panel_loop(lam, beta, ps), repeats=1)
    sampled = best_of(lambda: panel_sampled_retraining(lam, beta, ps), repeats=1)
    print(f"theory panel: P={BIG_P}, n={N}, s={S}, {ps.size} values of p, {len(CURVES)} curves")
    print(f"  lgp.theory_curve (vectorised thresholds):  {fast:7.3f} s")
    print(f"  per-p loop of lgp.theory_risk:             {loop:7.3f} s  ratio {loop / fast:5.1f}x")
    print(f"  retraining by Def. 5 sampling (400 draws): {sampled:7.3f} s  "
          f"ratio {sampled / fast:5.1f}x")
    print(f"  under 1 second: {fast < 1.0}")

    trials = 40
    rng = np.random.default_rng(0)
    X = rng.standard_normal((trials, N, BIG_P))
    y = rng.standard_normal((trials, N))

    def per_trial_pinv():
        return np.stack([np.linalg.pinv(X[t]) @ y[t] for t in range(trials)])

    batched = best_of(lambda: lgp.min_norm(X, y))
    naive = best_of(per_trial_pinv)
    err = np.abs(lgp.min_norm(X, y) - per_trial_pinv()).max()
    print(f"min-norm solve: {trials} trials, n={N}, p={BIG_P} (max abs difference {err:.1e})")
    print(f"  per-trial np.linalg.pinv: {naive:7.3f} s")
    print(f"  batched lgp.min_norm:     {batched:7.3f} s  speed-up {naive / batched:5.1f}x")


if __name__ == "__main__":
    main()
