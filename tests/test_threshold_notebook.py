"""The threshold-study chapters run end to end with the sweeps' tiny presets (both stages):
07 on MNIST-1D, 07b on CIFAR-10 (a small synthetic file) with 07's study for comparison."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_tools import run_notebook

from prunedd_utils.neural import synthetic
from prunedd_utils.sweeps import threshold_mnist1d

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _fake_cifar10(folder: Path) -> Path:
    """MNIST-1D is generated, not read; CIFAR-10 is a small synthetic file."""
    return synthetic.write_fake_cifar10(folder, n_train=200, n_test=100)


@pytest.mark.slow
def test_the_mnist1d_chapter_runs_with_the_tiny_preset(tmp_path, monkeypatch):
    pytest.importorskip("papermill")
    text = run_notebook(NOTEBOOKS / "07_threshold_mnist1d.ipynb", tmp_path, monkeypatch,
                        _fake_cifar10, dict(threshold_mnist1d.PRESETS["tiny"],
                                            train_missing=True))
    for phrase in ("IT (mean final train error < 0.9): h = ", "widths pruned:",
                   "optimum epoch", "dense curve: outside, gap", "fits down to",
                   "rewind weights (2 seeds): best", "one-shot to", "epoch-wise DD",
                   "largest mean learning distance", "compact sizes span a factor",
                   "final (2 seeds)"):
        assert phrase in text, phrase


@pytest.mark.slow
def test_the_cifar10_chapter_runs_with_the_tiny_preset(tmp_path, monkeypatch):
    pytest.importorskip("papermill")
    text = run_notebook(NOTEBOOKS / "07b_threshold_cifar10.ipynb", tmp_path, monkeypatch,
                        _fake_cifar10, dict(preset="tiny", prune_seeds=[0],
                                            mnist1d_preset="tiny", train_missing=True))
    for phrase in ("widths pruned: 1; final weights", "k =   1         final (1 seed)",
                   "compact sizes span a factor", "MNIST-1D: dense DD by the seed rule",
                   "CIFAR-10: dense DD by the seed rule", "epoch-wise DD at:"):
        assert phrase in text, phrase
