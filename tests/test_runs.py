"""The run store: stable hashes, validation before compute, skip-if-done, resume, locking."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch
from store_tools import temporary_store

from prunedd_utils import cli, runs, sweeps
from prunedd_utils.runs import Run, RunSettings, pipeline
from prunedd_utils.runs.store import load_torch, write_json

SMALL = RunSettings(width=16, n_train=400, n_test=200, label_noise=0.1, epochs=3, lr=3e-3)


@pytest.fixture
def store(tmp_path, monkeypatch):
    """Results, cache and (synthetic) data in a temporary folder; one torch thread."""
    with temporary_store(tmp_path, monkeypatch) as path:
        yield path


def _strip_times(obj):
    """Metrics without wall-clock entries (the only part that may differ between runs)."""
    if isinstance(obj, dict):
        return {k: _strip_times(v) for k, v in obj.items() if k not in ("seconds", "threads")}
    if isinstance(obj, list):
        return [_strip_times(v) for v in obj]
    return obj


# --------------------------------------------------------------------------- identity


def test_hash_is_of_the_changed_fields_only_and_stable():
    assert RunSettings().changed() == {}
    assert RunSettings().hash == hashlib.sha256(b"{}").hexdigest()[:12]
    s = RunSettings(width=8, lr=0.01)
    assert s.changed() == {"width": 8, "lr": 0.01}
    assert s.hash == hashlib.sha256(b'{"lr":0.01,"width":8}').hexdigest()[:12]
    # setting a field to its default is the same run; any other value is another run
    assert RunSettings(width=8, lr=0.01, epochs=10).hash == s.hash
    assert RunSettings(width=8, lr=0.02).hash != s.hash


def test_every_field_has_help_text():
    helps = runs.field_help()
    assert set(helps) == {f.name for f in dataclasses.fields(RunSettings)}
    assert all(len(h) > 10 for h in helps.values())


def test_pruned_run_shares_its_dense_run():
    p = dataclasses.replace(SMALL, prune="magnitude", base_width=4)
    q = dataclasses.replace(SMALL, prune="random", base_width=8)
    assert p.dense() == q.dense() == SMALL
    assert p.target_keep() == 784 * 4 + 40


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"dataset": "svhn"}, "^dataset must be one of"),
        ({"model": "resnet20", "width": 0}, r"^width must be an integer in \[1, 4096\]"),
        ({"width": 10**9}, r"^width must be an integer in \[1, 4096\]"),
        ({"seed": 2**64}, r"^seed must be an integer in \[0, 9223372036854775807\]"),
        ({"label_noise": 1.0}, r"^label_noise must be a finite number in \[0.0, 1.0\)"),
        ({"label_noise": -0.2}, r"^label_noise must be a finite number in \[0.0, 1.0\)"),
        ({"lr": float("inf")}, r"^lr must be a finite number in \(0.0, 1000.0\]"),
        ({"weight_decay": float("nan")}, r"^weight_decay must be a finite number"),
        ({"schedule": "linear"}, "^schedule must be one of"),
        ({"milestones": (2, 9)}, r"^milestones must be a tuple of epochs in \[1, 3\]"),
        ({"save_epochs": (0,)}, r"^save_epochs must be a tuple of epochs in \[1, 3\]"),
        ({"prune": "magnitude", "prune_at": 2}, r"^prune_at must be -1, 0, 3 or one of"),
        ({"prune": "magnitude", "rewind": 2}, r"^rewind must be -1, 0, 3 or one of"),
        ({"prune": "magnitude", "retrain_lr": "warm"}, "^retrain_lr must be one of"),
        ({"prune": "magnitude", "prune_fraction": 0.999999}, "^prune_fraction=0.999999 over"),
        ({"prune": "magnitude", "keep": 10**7}, r"^keep must be in \[1, 12704\]"),
        ({"prune": "magnitude", "base_width": 17}, r"^keep must be in \[1, 12704\]"),
        ({"prune": "snip"}, "^prune must be one of"),
        ({"keep": 5}, "^a dense run"),
        ({"prune": "magnitude", "rewind": 4}, r"^rewind must be an integer in \[-1, 3\]"),
        ({"prune": "magnitude", "keep": 9, "prune_levels": 2}, "^prune_levels > 1"),
        ({"optimizer": "rmsprop"}, "^optimizer must be one of"),
        ({"precision": "fp16"}, "^precision must be one of"),
        ({"epochs": 0}, r"^epochs must be an integer in \[1, inf\)"),
    ],
)
def test_invalid_settings_raise_before_any_file_or_compute(store, changes, message):
    s = dataclasses.replace(SMALL, **changes)
    with pytest.raises(ValueError, match=message):
        pipeline.execute(s, "bad")
    with pytest.raises(ValueError, match=message):
        runs.sweep([SMALL, s], "bad")  # the whole sweep is checked before the first run
    assert not (store / "results").exists() and not (store / "cache").exists()


def test_missing_data_raises_before_any_file(store, monkeypatch):
    monkeypatch.setenv("PRUNEDD_DATA_ROOT", str(store / "empty"))
    with pytest.raises(FileNotFoundError, match="PRUNEDD_DATA_ROOT"):
        pipeline.execute(SMALL, "nodata")
    assert not (store / "results").exists()


# --------------------------------------------------------------------------- running


def test_run_writes_readable_settings_and_metrics_and_skips_when_done(store, monkeypatch):
    m = pipeline.execute(SMALL, "exp", progress=False)
    run = Run(SMALL, "exp")
    assert run.dir == store / "results" / "exp" / SMALL.hash
    settings = json.loads((run.dir / "settings.json").read_text())
    assert settings["changed"] == SMALL.changed() and settings["hash"] == SMALL.hash
    assert m["status"] == "done" and [h["epoch"] for h in m["history"]] == [1, 2, 3]
    assert m["final"]["train_err_noisy"] is not None
    assert sorted(p.name for p in run.dir.iterdir()) == ["metrics.json", "settings.json"]
    assert not run.checkpoint_path.exists()  # a finished run keeps only weights in the cache

    def no_work(*args, **kwargs):
        raise AssertionError("a finished run was trained again")

    monkeypatch.setattr(pipeline.train, "train_epoch", no_work)
    monkeypatch.setattr(pipeline, "load_data", no_work)
    assert pipeline.execute(SMALL, "exp") == m
    rows = runs.sweep([SMALL], "exp", progress=False)
    assert rows[0]["test_err"] == m["final"]["test_err"] and rows[0]["hash"] == SMALL.hash


class _Killed(Exception):
    pass


def _interrupt_after(monkeypatch, calls: int):
    """Make the ``calls``-th training epoch raise, as a kill in the middle of it would."""
    real, count = pipeline.train.train_epoch, {"n": 0}

    def epoch(*args, **kwargs):
        count["n"] += 1
        if count["n"] == calls:
            raise _Killed
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline.train, "train_epoch", epoch)
    return real


def test_interrupted_pruned_run_resumes_to_the_same_metrics(store, monkeypatch, tmp_path):
    # two levels of iterative magnitude pruning with rewinding to epoch 1 (saved by the dense run)
    s = dataclasses.replace(SMALL, save_epochs=(1,), prune="magnitude", prune_fraction=0.5,
                            prune_levels=2, rewind=1, retrain_epochs=2)
    reference = pipeline.execute(s, "ref", progress=False)
    # dense run (3 epochs) done; then 2 retraining epochs; die in the 2nd epoch of level 2
    real = _interrupt_after(monkeypatch, 3 + 2 + 2)
    with pytest.raises(_Killed):
        pipeline.execute(s, "resumed", progress=False)
    assert Run(s, "resumed").metrics()["status"] == "running"
    monkeypatch.setattr(pipeline.train, "train_epoch", real)
    resumed = pipeline.execute(s, "resumed", progress=False)
    assert _strip_times(resumed) | {"experiment": "ref", "hash": None} == \
        _strip_times(reference) | {"experiment": "ref", "hash": None}
    levels = resumed["levels"]
    assert [lv["mask"]["kept"] for lv in levels] == [
        round(0.5 * 12704), round(0.5 * round(0.5 * 12704))]
    assert all(len(lv["history"]) == 2 for lv in levels)


CHILD = textwrap.dedent(
    """
    import sys, time, torch
    torch.set_num_threads(1)
    from prunedd_utils import runs
    from prunedd_utils.runs import pipeline
    slow = sys.argv[1] == "slow"
    counter = sys.argv[3] if len(sys.argv) > 3 else None
    real = pipeline.train.train_epoch
    def epoch(*a, **k):
        out = real(*a, **k)
        if counter:  # one line per epoch trained, by any process
            with open(counter, "a") as fh:
                fh.write("epoch\\n")
        if slow:  # make each epoch last long enough to be killed in the middle of the next
            time.sleep(0.4)
        return out
    pipeline.train.train_epoch = epoch
    s = runs.RunSettings(**eval(sys.argv[2]))
    pipeline.execute(s, "killed", progress=False)
    """
)


@pytest.mark.slow
def test_sigkilled_run_resumes_and_ends_like_an_uninterrupted_one(store):
    s = dataclasses.replace(SMALL, epochs=6)
    env = dict(os.environ)
    args = [sys.executable, "-c", CHILD, "slow", repr(s.changed())]
    child = subprocess.Popen(args, env=env)
    run = Run(s, "killed")
    deadline = time.time() + 60
    while time.time() < deadline and not run.checkpoint_path.exists():
        time.sleep(0.02)
    time.sleep(0.2)  # now inside the second epoch (or the sleep after the first)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    before = run.metrics()
    assert before["status"] == "running" and 1 <= len(before["history"]) < 6
    subprocess.run([sys.executable, "-c", CHILD, "fast", repr(s.changed())], env=env,
                   check=True)
    resumed = run.metrics()
    assert resumed["status"] == "done" and [h["epoch"] for h in resumed["history"]] == \
        list(range(1, 7))
    reference = pipeline.execute(s, "reference", progress=False)
    assert _strip_times(resumed)["history"] == _strip_times(reference)["history"]
    assert _strip_times(resumed)["final"] == _strip_times(reference)["final"]


@pytest.mark.slow
def test_two_processes_on_one_run_train_it_once(store):
    # Both start at once; the lock makes one wait, and the waiter must find the run done
    # (the re-check after taking the lock) instead of training it again.
    s = dataclasses.replace(SMALL, epochs=4)
    counter = store / "epochs.txt"
    args = [sys.executable, "-c", CHILD, "slow", repr(s.changed()), str(counter)]
    children = [subprocess.Popen(args, env=dict(os.environ)) for _ in range(2)]
    assert [c.wait() for c in children] == [0, 0]
    assert counter.read_text().count("epoch") == 4  # not 8: trained once across both
    m = Run(s, "killed").metrics()
    assert m["status"] == "done" and [h["epoch"] for h in m["history"]] == [1, 2, 3, 4]
    reference = pipeline.execute(s, "reference", progress=False)
    assert _strip_times(m)["final"] == _strip_times(reference)["final"]


def test_atomic_json_write_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "a" / "m.json"
    write_json(path, {"x": 1})
    with pytest.raises(TypeError):
        write_json(path, {"x": object()})
    assert json.loads(path.read_text()) == {"x": 1}
    assert [p.name for p in path.parent.iterdir()] == ["m.json"]  # no temporary left


def test_sweep_table_and_command_line(store, capsys):
    settings = sweeps.settings("two_layer", "tiny")
    assert cli.main(["sweep", "two_layer", "--preset", "tiny", "--quiet", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert all(s.hash in out for s in settings)
    rows = runs.sweep(settings, "two_layer", progress=False, run=False)
    assert len(rows) == len(settings)
    pruned = runs.select(rows, prune="magnitude")
    assert pruned and all(r["kept"] == 784 * 4 + 40 for r in pruned)
    assert all(r["pruned_test_err"] is not None and r["dense_test_err"] is not None
               for r in pruned)
    table = runs.format_table(rows, ["width", "prune", "test_err"])
    assert len(table.splitlines()) == len(rows) + 1
    assert runs.column(rows, "width") == [s.width for s in settings]


def test_sweep_without_running_leaves_out_unfinished_runs(store):
    assert runs.sweep([SMALL], "nothing", progress=False, run=False) == []
    assert not Path(store / "results" / "nothing").exists()


def test_rewinding_restores_the_initial_and_replays_the_trained_weights(store):
    # Rewinding to epoch e needs the dense weights after e epochs. Epoch 0 is the seeded
    # initialisation; other epochs are replayed from it, so a replay of the whole dense
    # training must give back, exactly, the final weights the run itself saved.
    s = dataclasses.replace(SMALL, prune="magnitude", prune_fraction=0.5, rewind=0)
    pipeline.execute(s.dense(), "rewind", progress=False)
    cache = Run(s.dense(), "rewind").cache
    init = pipeline.dense_weights(s, "rewind", 0)
    torch.manual_seed(s.seed)  # the initialisation depends on the seed only
    fresh = s.dense().build_model().state_dict()
    assert all(torch.equal(init[k], fresh[k]) for k in fresh)
    final = pipeline.dense_weights(s, "rewind")
    (cache / "weights_final.pt").unlink()
    replayed = pipeline.dense_weights(s, "rewind")
    assert all(torch.equal(final[k], replayed[k]) for k in final)
    assert not all(torch.equal(final[k], init[k]) for k in final)


def test_a_run_is_not_resumed_under_another_thread_count(store, monkeypatch):
    real = _interrupt_after(monkeypatch, 2)
    with pytest.raises(_Killed):
        pipeline.execute(SMALL, "threads", progress=False)
    monkeypatch.setattr(pipeline.train, "train_epoch", real)
    torch.set_num_threads(2)
    with pytest.raises(ValueError, match="started with 1 torch thread"):
        pipeline.execute(SMALL, "threads", progress=False)
    torch.set_num_threads(1)
    assert pipeline.execute(SMALL, "threads", progress=False)["status"] == "done"


def test_rewound_weights_are_masked_before_retraining_starts(store, monkeypatch):
    s = dataclasses.replace(SMALL, prune="magnitude", prune_fraction=0.5, rewind=0)
    real, seen = pipeline.train.train_epoch, []

    def epoch(model, data, opt, gen, batch, loss, augment, mask, *a, **k):
        if mask is not None:  # retraining: every pruned weight must already be zero
            params = dict(model.named_parameters())
            seen.append(all(bool((params[n][~m] == 0).all()) for n, m in mask.items()))
        return real(model, data, opt, gen, batch, loss, augment, mask, *a, **k)

    monkeypatch.setattr(pipeline.train, "train_epoch", epoch)
    pipeline.execute(s, "remask", progress=False)
    assert seen and all(seen)


REBUILD = textwrap.dedent(
    """
    import sys, time, torch
    torch.set_num_threads(1)
    from prunedd_utils import runs
    from prunedd_utils.runs import pipeline
    real = pipeline.train.train_epoch
    def epoch(*a, **k):
        with open(sys.argv[2], "a") as fh:
            fh.write("epoch\\\\n")
        time.sleep(0.3)  # long enough for the other process to arrive meanwhile
        return real(*a, **k)
    pipeline.train.train_epoch = epoch
    s = runs.RunSettings(**eval(sys.argv[1]))
    w = pipeline.dense_weights(s, "exp")
    torch.save(w, sys.argv[3])
    """
)


def test_two_processes_needing_lost_dense_weights_rebuild_them_once(store):
    # Results from git on a fresh machine: the dense metrics exist, its cached weights not.
    s = dataclasses.replace(SMALL, prune="magnitude", prune_fraction=0.5)
    pipeline.execute(s.dense(), "exp", progress=False)
    weights = Run(s.dense(), "exp").weights_path(None)
    original = load_torch(weights)
    weights.unlink()
    counter = store / "epochs.txt"
    children = [subprocess.Popen([sys.executable, "-c", REBUILD, repr(s.changed()),
                                  str(counter), str(store / f"w{i}.pt")], env=dict(os.environ))
                for i in range(2)]
    assert [c.wait() for c in children] == [0, 0]
    assert counter.read_text().count("epoch") == SMALL.epochs  # rebuilt once, not twice
    for i in range(2):
        got = torch.load(store / f"w{i}.pt", weights_only=True)
        assert all(torch.equal(got[k], original[k]) for k in original)
    assert not list(weights.parent.glob("*-rebuild-*"))  # no scratch folder left behind
