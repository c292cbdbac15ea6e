"""Procedures as settings: canonical identity, field groups, and what each pruning field does.

Every stored run keeps its hash (rebuilt from its ``settings.json``); the new fields
(``prune_at``, ``save_epochs``, schedules, ``retrain_lr``, full batch) change the
computation exactly as their help text says.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import subprocess

import numpy as np
import pytest
import torch
from store_tools import temporary_store

from prunedd_utils import paths
from prunedd_utils.neural import prune
from prunedd_utils.runs import Run, RunSettings, fields_of, pipeline, stored_settings
from prunedd_utils.runs.store import StoreError, load_torch, write_json

SMALL = RunSettings(width=16, n_train=400, n_test=200, epochs=3, lr=3e-3)


@pytest.fixture
def store(tmp_path, monkeypatch):
    with temporary_store(tmp_path, monkeypatch) as path:
        yield path


# --------------------------------------------------------------------------- identity


def test_every_stored_run_rebuilds_to_its_folder_name():
    folders = sorted(p for p in paths.results_root().glob("*/*") if p.is_dir())
    assert len(folders) >= 50  # the two-layer chapter alone stores 50 runs
    for folder in folders:
        s = stored_settings(folder)  # raises if the hash of its settings is not its name
        assert s.hash == folder.name


def test_a_settings_file_that_disagrees_with_its_folder_is_refused(tmp_path):
    folder = tmp_path / "exp" / "0123456789ab"
    write_json(folder / "settings.json", {"changed": {"width": 8}})
    with pytest.raises(StoreError, match="not to the folder's name 0123456789ab"):
        stored_settings(folder)
    write_json(folder / "settings.json", {"changed": {"wdith": 8}})
    with pytest.raises(StoreError, match="unknown settings fields"):
        stored_settings(folder)


def test_equal_numbers_are_one_run():
    assert RunSettings(lr=1).hash == RunSettings(lr=1.0).hash
    assert RunSettings(lr=1).lr == 1.0 and isinstance(RunSettings(lr=1).lr, float)
    assert RunSettings(save_epochs=[1, 2]).hash == RunSettings(save_epochs=(1, 2)).hash
    assert RunSettings(label_noise=0).changed() == {}  # 0 == 0.0, the default


def test_new_fields_at_their_defaults_keep_old_hashes():
    new = ("schedule", "milestones", "gamma", "save_epochs", "prune_at", "retrain_lr")
    s = RunSettings()
    assert not any(name in s.changed() for name in new)
    # the hash of {"lr":0.01,"width":8}, as before the new fields existed
    assert RunSettings(width=8, lr=0.01).hash == hashlib.sha256(
        b'{"lr":0.01,"width":8}').hexdigest()[:12]


def test_every_field_has_a_group_and_dense_resets_exactly_the_prune_group():
    groups = {f.metadata["group"] for f in dataclasses.fields(RunSettings)}
    assert groups == {"data", "model", "train", "dense", "prune"}
    p = dataclasses.replace(SMALL, save_epochs=(1,), prune="random", prune_at=1, keep=99,
                            rewind=1, retrain_epochs=2, retrain_lr="final")
    d = p.dense()
    assert all(getattr(d, f.name) == f.default for f in fields_of("prune"))
    assert d.save_epochs == (1,) and d == dataclasses.replace(SMALL, save_epochs=(1,))


# --------------------------------------------------------------------------- procedures


def test_dense_run_keeps_the_weights_of_its_save_epochs_and_they_equal_a_shorter_run(store):
    long = dataclasses.replace(SMALL, save_epochs=(1, 2))
    pipeline.execute(long, "keep", progress=False)
    cache = Run(long, "keep").cache
    assert sorted(p.name for p in cache.glob("weights_*.pt")) == [
        "weights_1.pt", "weights_2.pt", "weights_final.pt"]
    # Under a constant rate, the weights after 2 of 3 epochs are those of a 2-epoch run.
    short = dataclasses.replace(SMALL, epochs=2)
    pipeline.execute(short, "keep", progress=False)
    a = load_torch(cache / "weights_2.pt")
    b = load_torch(Run(short, "keep").cache / "weights_final.pt")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_pruning_an_epoch_uses_that_epochs_weights(store):
    p = dataclasses.replace(SMALL, save_epochs=(1,), prune="magnitude", prune_at=1,
                            prune_fraction=0.5, retrain_epochs=1)
    m = pipeline.execute(p, "at", progress=False)
    w1 = load_torch(Run(p.dense(), "at").cache / "weights_1.pt")
    model = p.build_model()
    model.load_state_dict(w1)
    expected = prune.magnitude_mask(model, fraction=0.5)
    mask = load_torch(Run(p, "at").cache / "mask_1.pt")
    assert all(torch.equal(mask[k], expected[k].cpu()) for k in mask)
    assert m["dense"]["test_err"] is not None  # the dense run was trained (to epoch 3)


def test_pruning_at_initialisation_trains_no_dense_run(store):
    p = dataclasses.replace(SMALL, prune="magnitude", prune_at=0, prune_fraction=0.5)
    m = pipeline.execute(p, "init", progress=False)
    assert m["status"] == "done" and m["dense"] is None
    assert not Run(p.dense(), "init").dir.exists()
    torch.manual_seed(p.seed)
    model = p.build_model()  # the seeded initialisation
    expected = prune.magnitude_mask(model, fraction=0.5)
    mask = load_torch(Run(p, "init").cache / "mask_1.pt")
    assert all(torch.equal(mask[k], expected[k]) for k in mask)
    assert len(m["levels"][0]["history"]) == SMALL.epochs


@pytest.mark.parametrize("mode, expected", [
    ("restart", [0.5 * (1 + math.cos(math.pi * e / 2)) for e in range(2)]),
    ("final", [0.5 * (1 + math.cos(math.pi * 3 / 4))] * 2),
    ("rewind", [0.5 * (1 + math.cos(math.pi * e / 4)) for e in (2, 3)]),
])
def test_retraining_learning_rates(mode, expected):
    s = RunSettings(epochs=4, lr=1.0, schedule="cosine", prune="magnitude", retrain_epochs=2,
                    retrain_lr=mode)
    assert [pipeline.retrain_lr(s, e) for e in range(2)] == pytest.approx(expected)


def test_full_batch_gradient_descent_takes_one_step_per_epoch(store, monkeypatch):
    s = dataclasses.replace(SMALL, batch_size=0, optimizer="sgd", lr=0.1, epochs=2)
    steps = {"n": 0}
    real = torch.optim.SGD.step

    def step(self, *a, **k):
        steps["n"] += 1
        return real(self, *a, **k)

    monkeypatch.setattr(torch.optim.SGD, "step", step)
    m = pipeline.execute(s, "gd", progress=False)
    assert m["status"] == "done" and steps["n"] == 2


def test_a_diverging_run_is_stored_as_failed_and_not_retried(store, monkeypatch):
    s = dataclasses.replace(SMALL, optimizer="sgd", lr=1e3, momentum=0.0)
    m = pipeline.execute(s, "div", progress=False)
    assert m["status"] == "failed" and "epoch" in m["reason"]
    text = (Run(s, "div").metrics_path).read_text()
    assert "NaN" not in text and "Infinity" not in text  # strict JSON

    def no_work(*a, **k):
        raise AssertionError("a failed run was trained again")

    monkeypatch.setattr(pipeline.train, "train_epoch", no_work)
    assert pipeline.execute(s, "div")["status"] == "failed"
    with pytest.raises(AssertionError, match="trained again"):
        pipeline.execute(s, "div", retry_failed=True)


# --------------------------------------------------------------------------- safe loading


class _Evil:
    def __reduce__(self):
        import os

        return (os.system, ("touch pwned",))


def test_a_crafted_checkpoint_is_refused_and_never_executed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    torch.save({"record": _Evil()}, tmp_path / "checkpoint.pt")
    with pytest.raises(StoreError, match="checkpoint.pt: not a safe, complete checkpoint"):
        load_torch(tmp_path / "checkpoint.pt")
    assert not (tmp_path / "pwned").exists()


def test_a_run_with_a_broken_checkpoint_starts_again(store):
    run = Run(SMALL, "broken")
    run.cache.mkdir(parents=True)
    run.checkpoint_path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.warns(UserWarning, match="not a safe, complete checkpoint"):
        m = pipeline.execute(SMALL, "broken", progress=False)
    assert m["status"] == "done" and len(m["history"]) == SMALL.epochs


# --------------------------------------------------------------------------- verified reads


def test_every_stored_run_passes_the_read_checks():
    for folder in sorted(p for p in paths.results_root().glob("*/*") if p.is_dir()):
        s = stored_settings(folder)
        run = Run(s, folder.parent.name)
        assert run.problem() is None, run.problem()


@pytest.mark.parametrize("damage, message", [
    (lambda run: run.metrics_path.write_text('{"status": "done", "fin'), "not a readable JSON"),
    (lambda run: write_json(run.metrics_path, dict(run.metrics(), final={"test_err": 0.1})),
     "a finished run without final"),
    (lambda run: write_json(run.metrics_path, dict(run.metrics(), hash="0123456789ab")),
     "belongs to run '0123456789ab'"),
    (lambda run: write_json(run.dir / "settings.json", {"changed": {"width": 3}}),
     "hash to"),
])
def test_a_damaged_stored_run_is_refused_when_reading_and_recomputed_when_training(
        store, damage, message):
    from prunedd_utils.runs import sweep

    good = pipeline.execute(SMALL, "dmg", progress=False)
    run = Run(SMALL, "dmg")
    damage(run)
    assert run.status() == "invalid" and message in run.problem()
    assert str(run.dir) in run.problem()  # the message names the file
    with pytest.raises(StoreError, match=message):
        sweep([SMALL], "dmg", run=False, progress=False)
    with pytest.warns(UserWarning, match="computing the run again"):
        again = pipeline.execute(SMALL, "dmg", progress=False)
    assert again["final"] == good["final"] and run.status() == "done"


def test_an_edited_metrics_file_of_a_finished_run_is_noticed(store):
    pipeline.execute(SMALL, "seal", progress=False)
    run = Run(SMALL, "seal")
    assert run.problem() is None
    text = run.metrics_path.read_text()
    m = run.metrics()
    m["final"]["test_err"] = 0.01  # a better number, typed in by hand
    write_json(run.metrics_path, m)
    assert run.status() == "invalid" and "changed after the run finished" in run.problem()
    run.metrics_path.write_text(text)
    assert run.problem() is None


def test_stored_files_are_readable_by_others(store):
    pipeline.execute(SMALL, "mode", progress=False)
    for f in Run(SMALL, "mode").dir.iterdir():
        assert f.stat().st_mode & 0o777 == 0o644


def test_a_bad_data_file_fails_before_any_run_file_is_written(store):
    path = store / "data" / "fashion_mnist.npz"
    with np.load(path) as f:
        arrays = dict(f)
    arrays["y_train"] = arrays["y_train"] + 10  # labels out of range
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="y_train must be labels in"):
        pipeline.execute(SMALL, "baddata", progress=False)
    assert not (store / "results").exists()


def test_temporary_files_of_a_killed_write_are_ignored_by_git():
    # os.replace makes writes atomic, but a write killed before it leaves its temporary file
    root = paths.REPO_ROOT
    for name in ("results/two_layer/x/.settings.json.k3j2.tmp", "results/x/.metrics.json.a.tmp"):
        out = subprocess.run(["git", "check-ignore", "-q", name], cwd=root, check=False)
        assert out.returncode == 0, f"{name} is not ignored by git"
