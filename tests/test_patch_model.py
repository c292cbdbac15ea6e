"""The patch model of Cao et al. (2022), its CNN pruned at initialization, and chapter 08's
synthetic sweep (``theory.patch_model``, ``neural.patch_cnn``, ``sweeps.prune_at_init``)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from prunedd_utils import sweeps
from prunedd_utils.neural import patch_cnn
from prunedd_utils.sweeps import prune_at_init
from prunedd_utils.theory import patch_model as pm

pytestmark = pytest.mark.usefixtures("one_thread")


def binomial_tolerance(p_keep: float, count: int, z: float = 5.0) -> float:
    """Allowed gap between the mean of ``count`` Bernoulli(p_keep) and p_keep: ``z``
    standard errors. At z = 5 a correct sampler fails with probability below 6e-7 (normal
    approximation; the seeds are fixed, so the tests are deterministic anyway)."""
    return z * math.sqrt(p_keep * (1 - p_keep) / count) + 1e-12


# -- the data model (Cao et al.'s) -----------------------------------------------------

@pytest.mark.parametrize("kind", ["sparse", "dense"])
def test_signal_vector_has_the_given_norm_and_shape(kind):
    mu = pm.signal_vector(50, 3.0, kind, support=4)
    assert mu.shape == (50,) and np.isclose(np.linalg.norm(mu), 3.0)
    assert np.count_nonzero(mu) == (4 if kind == "sparse" else 50)


@pytest.mark.parametrize("kind", ["sparse", "dense"])
def test_sample_moments(kind):
    d, n, sigma_p = 6, 40000, 1.7
    mu = pm.signal_vector(d, 2.5, kind)
    data = pm.sample(n, mu, sigma_p, np.random.default_rng(0))
    x = data.x
    assert x.shape == (n, 2, d)
    # the signal patch is exactly y mu, labels are +-1 and balanced within binomial error
    assert np.array_equal(x[:, 0, :], data.y[:, None] * mu[None, :])
    assert set(np.unique(data.y)) == {-1.0, 1.0}
    assert abs((data.y > 0).mean() - 0.5) <= binomial_tolerance(0.5, n)
    # the noise patch is orthogonal to mu (to rounding) ...
    u = mu / np.linalg.norm(mu)
    assert np.max(np.abs(data.xi @ u)) < 1e-12 * sigma_p * math.sqrt(d)
    # ... with covariance sigma_p^2 (I - u u^T): each entry of the sample covariance is
    # within 5 standard errors (sd of a product of two unit-variance normals <= sqrt(2))
    cov = data.xi.T @ data.xi / n
    want = sigma_p**2 * (np.eye(d) - np.outer(u, u))
    assert np.max(np.abs(cov - want)) <= 5 * sigma_p**2 * math.sqrt(2 / n)
    assert np.isclose(np.mean(np.sum(data.xi**2, axis=1)), sigma_p**2 * (d - 1), rtol=0.02)
    assert np.abs(data.xi.mean(axis=0)).max() <= 5 * sigma_p / math.sqrt(n)


def test_sample_is_reproducible_and_batched():
    mu = pm.signal_vector(20, 1.0, "dense")
    a = pm.sample(5, mu, 1.0, np.random.default_rng(3), batch=(4,))
    b = pm.sample(5, mu, 1.0, np.random.default_rng(3), batch=(4,))
    assert a.xi.shape == (4, 5, 20) and a.y.shape == (4, 5) and a.mu.shape == (4, 20)
    assert np.array_equal(a.xi, b.xi) and np.array_equal(a.y, b.y)
    with pytest.raises(ValueError, match="rng"):
        pm.sample(5, mu, 1.0, 3)
    with pytest.raises(ValueError, match="mu"):
        pm.sample(5, np.zeros(20), 1.0, np.random.default_rng(0))


# -- the derived formulas ----------------------------------------------------------------

def test_derived_formulas_by_hand():
    # E||M * xi||^2 = (1 - p)(d - 1) sigma_p^2: 0.25 * 4 * 4 = 4
    assert pm.masked_noise_norm2(0.75, 5, 2.0) == pytest.approx(4.0)
    # sparse: SNR / sqrt(1 - p) = 0.3 / 0.5; dense: unchanged
    assert pm.effective_snr(0.3, 0.75, "sparse") == pytest.approx(0.6)
    assert pm.effective_snr(0.3, 0.75, "dense") == pytest.approx(0.3)
    assert pm.predicted_boundary(0.75, 0.4, "sparse") == pytest.approx(0.2)
    assert pm.predicted_boundary(0.75, 0.4, "dense") == pytest.approx(0.4)
    # n SNR^q, and the race ratio (n / 2) SNR_eff^q = 10 * 1^3
    assert pm.cao_statistic(20, 0.5, 3) == pytest.approx(2.5)
    assert pm.race_ratio(20, 0.5, 0.75, 3, "sparse") == pytest.approx(10.0)
    # m = 2 per class at p = 0.5: a filter keeps the support w.p. 1/2 and has the right
    # sign w.p. 1/2, so 4 filters all miss w.p. (3/4)^4; the expected count is 2 * 0.5
    assert pm.no_signal_probability(0.5, 2) == pytest.approx(0.75**4)
    assert pm.predicted_error_floor(0.5, 2) == pytest.approx(0.5 * 0.75**4)
    assert pm.signal_filter_count(0.5, 2) == pytest.approx(1.0)
    assert pm.snr(3.0, 0.5, 36) == pytest.approx(1.0)
    # sqrt(0.5 / (0.5 * 4)) / 0.25 = 2
    assert pm.leakage_ratio(0.5, 4, 0.25) == pytest.approx(2.0)
    # dense mu in d = 4 of norm 2 (entries 1): 1 * 0.25 * (4 - 4 / 4) = 0.75; 1-sparse: 0
    assert pm.masked_overlap2(0.5, np.ones(4), 1.0) == pytest.approx(0.75)
    assert pm.masked_overlap2(0.5, [2.0, 0, 0, 0], 1.0) == 0
    # E max of 1 and of 2 half-normals: sqrt(2 / pi) and 2 / sqrt(pi)
    assert pm.expected_max_half_normal(1) == pytest.approx(math.sqrt(2 / math.pi), rel=1e-6)
    assert pm.expected_max_half_normal(2) == pytest.approx(2 / math.sqrt(math.pi), rel=1e-6)
    # m = 1: K ~ Bin(2, a) with a = 1/2 at p = 0 and (1 - p)/2 at p; q = 4: exponent 1/2
    a = 0.25 / 2
    g0 = (0.5 * math.sqrt(2 / math.pi) + 0.25 * 2 / math.sqrt(math.pi)) / 0.75
    gp = (2 * a * (1 - a) * math.sqrt(2 / math.pi) + a * a * 2 / math.sqrt(math.pi)) / (
        1 - (1 - a) ** 2)
    assert pm.start_factor(0.75, 1, 4.0) == pytest.approx(math.sqrt(g0 / gp), rel=1e-6)
    assert pm.start_factor(0.0, 3, 3.0) == pytest.approx(1.0)
    assert pm.refined_boundary(0.75, 0.4, 1, 4.0, "dense") == pytest.approx(0.4)
    assert pm.refined_boundary(0.75, 0.4, 1, 4.0) == pytest.approx(0.2 * math.sqrt(g0 / gp))
    # dx/dt = 2 x^2 from x0 = 0.5 blows up at 1 / (2 * 0.5) = 1
    assert pm.blowup_time(2.0, 0.5, 3.0) == pytest.approx(1.0)
    # crossing of 0.25 between (1, 0.5) and (10, 0): the midpoint in log x
    assert pm.crossing([1.0, 10.0], [0.5, 0.0], 0.25) == pytest.approx(math.sqrt(10))
    assert math.isnan(pm.crossing([1.0, 10.0], [0.5, 0.4], 0.25))


def test_blowup_time_against_the_ode():
    """x(t) of dx/dt = a x^(q-1) passes 1e6 x0 just before the predicted blow-up time."""
    a, x0, q = 0.7, 0.3, 3.5
    t_star = pm.blowup_time(a, x0, q)
    # exact solution: x(t)^(2-q) = x0^(2-q) - (q-2) a t
    t_big = (x0 ** (2 - q) - (1e6 * x0) ** (2 - q)) / ((q - 2) * a)
    assert 0.999 * t_star < t_big < t_star
    x, t, dt = x0, 0.0, 1e-5
    while x < 1e3 * x0:
        x += dt * a * x ** (q - 1)
        t += dt
    assert t == pytest.approx(t_star, rel=1e-3)


@pytest.mark.parametrize("kind", ["sparse", "dense"])
def test_masked_norms_by_monte_carlo(kind):
    """E||M xi||^2 and E<M xi, mu>^2 against fresh noise and masks (5 standard errors)."""
    d, p, sigma_p, draws = 40, 0.6, 1.3, 20000
    rng = np.random.default_rng(1)
    mu = pm.signal_vector(d, 2.0, kind)
    data = pm.sample(draws, mu, sigma_p, rng)
    mask = rng.random((draws, d)) >= p
    norm2 = np.sum((mask * data.xi) ** 2, axis=1)
    want = pm.masked_noise_norm2(p, d, sigma_p)
    assert abs(norm2.mean() - want) <= 5 * norm2.std() / math.sqrt(draws)
    overlap2 = ((mask * data.xi) @ mu) ** 2
    want = pm.masked_overlap2(p, mu, sigma_p)
    assert abs(overlap2.mean() - want) <= 5 * overlap2.std() / math.sqrt(draws) + 1e-20
    if kind == "sparse":
        assert np.max(overlap2) == 0


# -- the CNN, its masks and its training ---------------------------------------------------

@pytest.mark.parametrize("p", [0.0, 0.3, 0.9, 0.99])
def test_mask_fraction_and_nesting(p):
    gen = torch.Generator().manual_seed(0)
    uniform = torch.rand(8, 2, 16, 500, generator=gen, dtype=torch.float64)
    M = patch_cnn.masks(uniform, [p, min(p + 0.05, 0.999)])
    assert M.shape == (8, 2, 2, 16, 500) and M.dtype == torch.bool
    kept = M[:, 0].double().mean().item()
    assert abs(kept - (1 - p)) <= binomial_tolerance(1 - p, M[:, 0].numel())
    assert bool((M[:, 1] <= M[:, 0]).all())  # nested: a larger p keeps a subset
    with pytest.raises(ValueError, match="fractions"):
        patch_cnn.masks(uniform, [1.0])


def tiny_problem(S=3, C=2, m=3, d=30, n=8, kind="sparse", snr=(0.4, 1.5), p=(0.5, 0.8),
                 dtype=torch.float64, seed=0):
    rng = np.random.default_rng(seed)
    direction = pm.signal_vector(d, 1.0, kind)
    data = pm.sample(n, direction, 1.0, rng, batch=(S,))
    t = dict(dtype=dtype)
    mu = torch.tensor(np.array(snr)[:, None] * direction * math.sqrt(d), **t)
    mask = patch_cnn.masks(torch.tensor(rng.random((S, 2, m, d)), **t), p)
    W0 = torch.tensor(rng.standard_normal((S, C, 2, m, d)), **t) * 0.1
    return dict(W0=W0, mask=mask, mu=mu, y=torch.tensor(data.y, **t),
                xi=torch.tensor(data.xi, **t),
                z_test=torch.tensor(rng.standard_normal((S, 50, 2 * m)), **t))


def test_gradient_matches_autograd():
    t = tiny_problem()
    W = (t["W0"][:, 0] * t["mask"][:, 0]).requires_grad_(True)
    X = patch_cnn.inputs(t["xi"], t["mu"][0])
    f = patch_cnn.forward(W, X, t["y"], 3.0)[0]
    exact = torch.logaddexp(torch.zeros_like(f), -t["y"] * f).mean(-1)  # no softplus cut-off
    exact.sum().backward()
    loss, grad, _ = patch_cnn.loss_and_grad(W.detach(), X, t["y"], 3.0)
    assert torch.allclose(loss, exact.detach(), rtol=1e-12, atol=1e-14)
    assert torch.allclose(grad, W.grad, rtol=1e-9, atol=1e-12)


def test_pruned_weights_stay_exactly_zero():
    t = tiny_problem()
    out = patch_cnn.train(t["W0"], t["mask"], t["mu"], t["y"], t["xi"], lr=0.5, q=3.0,
                          steps=40, sigma_p=1.0, z_test=t["z_test"], trace_points=4)
    W = out["W"]
    assert torch.all(W[~t["mask"]] == 0)  # exactly zero, though W0 was not
    assert torch.all(t["W0"][~t["mask"]] != 0)
    assert not torch.equal(W[t["mask"]], t["W0"][t["mask"]])  # the kept weights trained
    assert out["train_loss"].shape == (len(out["steps"]), 3, 2)
    assert out["steps"][0] == 0 and out["steps"][-1] == 40
    assert np.all(out["train_loss"][-1] < out["train_loss"][0])
    assert not out["diverged"].any()


def test_configurations_are_independent():
    """A configuration's result does not depend on the others trained with it."""
    t = tiny_problem()
    both = patch_cnn.train(t["W0"], t["mask"], t["mu"], t["y"], t["xi"], lr=[0.3, 0.6], q=3.0,
                           steps=15, sigma_p=1.0, z_test=t["z_test"])
    one = patch_cnn.train(t["W0"][:, 1:], t["mask"][:, 1:], t["mu"][1:], t["y"], t["xi"],
                          lr=0.6, q=3.0, steps=15, sigma_p=1.0, z_test=t["z_test"])
    assert torch.equal(both["W"][:, 1:], one["W"])
    assert np.array_equal(both["test_err"][:, :, 1:], one["test_err"])


def test_test_metrics_match_fresh_samples():
    """The exact-law test error equals the error on many fresh samples (within 5 SE)."""
    t = tiny_problem(S=1, C=1, p=(0.5,), snr=(0.3,), d=20)
    W = t["W0"][:, 0] * t["mask"][:, 0] * 20
    z = torch.randn(1, 20000, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    _, err = patch_cnn.test_metrics(W, t["mu"][0], 1.0, z, 3.0)
    fresh = pm.sample(20000, t["mu"][0].numpy(), 1.0, np.random.default_rng(7), batch=(1,))
    y = torch.tensor(fresh.y)
    f = patch_cnn.forward(W, patch_cnn.inputs(torch.tensor(fresh.xi), t["mu"][0]), y, 3.0)[0]
    direct = (y * f <= 0).double().mean().item()
    e = err.item()
    assert 0.05 < e < 0.95
    assert abs(direct - e) <= 5 * math.sqrt(e * (1 - e) / 20000) * math.sqrt(2)


def test_signal_learned_at_high_snr_noise_memorized_at_low():
    """Cao et al.'s two regimes, in miniature: the unpruned CNN fits both ways, but only a
    strong signal gives a low test error."""
    t = tiny_problem(S=4, C=2, m=4, d=300, n=10, p=(0.0, 0.0), snr=(0.1, 2.0),
                     dtype=torch.float32)
    eta = patch_cnn.step_size(0.25, 10, 4, 300, 1.0)
    W0 = t["W0"] * float(patch_cnn.init_std(0.1, 300, 1.0)) / 0.1
    out = patch_cnn.train(W0, t["mask"], t["mu"], t["y"], t["xi"], eta, q=3.0, steps=200,
                          sigma_p=1.0, z_test=t["z_test"])
    assert out["train_err"][-1].mean() < 0.1  # (a sample no filter of its class sees can stay)
    weak, strong = out["test_err"][-1].mean(0)
    assert weak > 0.4 and strong < 0.05
    assert out["noise_margin"][-1, :, 0].mean() > out["signal_margin"][-1, :, 0].mean()
    assert out["signal_margin"][-1, :, 1].mean() > out["noise_margin"][-1, :, 1].mean()


# -- the sweep ---------------------------------------------------------------------------------

def test_tiny_synthetic_sweep_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setenv("PRUNEDD_RESULTS", str(tmp_path))
    grids = prune_at_init.synthetic_settings(**prune_at_init.SYNTHETIC_PRESETS["tiny"])
    assert set(grids) == {"sweep_sparse", "phase_sparse", "sweep_dense", "phase_dense",
                          "sweep_dense_small_init"}
    with pytest.raises(prune_at_init.MissingResult, match="prune_at_init --preset cpu"):
        prune_at_init.load(grids["phase_dense"], compute_below=0)
    assert prune_at_init.main(["--preset", "tiny", "--threads", "1"]) == 0
    for s in grids.values():
        assert s.path == tmp_path / "prune_at_init" / f"{s.hash}.json"
        record = json.loads(s.path.read_text())
        assert record["hash"] == s.hash and record["diverged"] == 0
        C = len(s.ps) * len(s.snrs)
        assert np.array(record["final"]["test_err"]).shape == (C, s.seeds)
        assert all(0 <= e <= 1 for row in record["final"]["test_err"] for e in row)
        if s.trace_points:
            steps = record["traces"]["steps"]
            assert steps[0] == 0 and steps[-1] == s.steps
            assert np.array(record["traces"]["test_err"]["mean"]).shape == (C, len(steps))
        if s.kind == "sparse":
            sig, sup = np.array(record["signal_filters"]), np.array(record["support_filters"])
            assert np.all(sig + np.array(record["flipped_filters"]) <= sup)
            assert sig.shape == (C, s.seeds) and np.all(sig <= sup)
            assert np.all(sup[np.array(record["p"]) == 0] == 2 * s.m)  # p = 0 keeps all
    # stored results are read, never computed again
    monkeypatch.setattr(prune_at_init, "compute", lambda *a, **k: pytest.fail("recomputed"))
    again = prune_at_init.load(grids["sweep_sparse"])
    assert again["hash"] == grids["sweep_sparse"].hash
    # another grid gets another file
    other = prune_at_init.Synthetic(**{**json.loads(json.dumps(
        prune_at_init.dataclasses.asdict(grids["sweep_sparse"]))), "seeds": 3})
    assert other.hash != grids["sweep_sparse"].hash


def test_synthetic_settings_are_checked():
    with pytest.raises(ValueError, match="ps"):
        prune_at_init.Synthetic(ps=(1.0,)).validate()
    with pytest.raises(ValueError, match="kind"):
        prune_at_init.Synthetic(kind="medium").validate()
    with pytest.raises(ValueError, match="q"):
        prune_at_init.Synthetic(q=2.0).validate()


def test_fashion_mnist_runs_prune_at_initialization():
    assert "prune_at_init" in sweeps.NAMES
    runs = sweeps.settings("prune_at_init", "tiny")
    for s in runs:
        s.validate()
    at_init = [s for s in runs if s.prune == "random"]
    after = [s for s in runs if s.prune == "magnitude"]
    assert at_init and all(s.prune_at == 0 and not s.needs_dense_run for s in at_init)
    assert all(s.prune_at == -1 and s.needs_dense_run for s in after)
    # every fraction is run both ways, at equal density
    assert sorted(s.prune_fraction for s in at_init) == sorted(s.prune_fraction for s in after)
    cpu = sweeps.settings("prune_at_init", "cpu")
    assert len({s.seed for s in cpu}) >= 3 and {s.label_noise for s in cpu} == {0.0, 0.2}
    assert len(cpu) == len({s.hash for s in cpu})
    # both data sets, each with the same runs
    by_data = {d: sorted((s.prune, s.prune_fraction, s.label_noise, s.seed) for s in cpu
                         if s.dataset == d) for d in ("fashion_mnist", "mnist1d")}
    assert by_data["fashion_mnist"] == by_data["mnist1d"] and len(cpu) == 2 * 78


def test_test_set_sizes_are_those_of_the_data():
    import inspect

    from prunedd_utils.neural import data

    args = inspect.signature(data.make_mnist1d).parameters
    held_out = args["num_samples"].default * (1 - args["train_split"].default)
    assert prune_at_init.TEST_EXAMPLES == {"fashion_mnist": 10_000,
                                           "mnist1d": round(held_out)}
