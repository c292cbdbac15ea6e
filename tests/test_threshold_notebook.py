"""The threshold-study chapter runs end to end with the sweep's tiny preset (both stages)."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_tools import run_notebook

from prunedd_utils.neural import synthetic
from prunedd_utils.sweeps import threshold_mnist1d

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07_threshold_mnist1d.ipynb"


def _fake_cifar10(folder: Path) -> Path:
    """MNIST-1D is generated, not read; the CIFAR-10 part reads a small synthetic file."""
    return synthetic.write_fake_cifar10(folder, n_train=200, n_test=100)


@pytest.mark.slow
def test_notebook_runs_with_the_tiny_preset(tmp_path, monkeypatch):
    pytest.importorskip("papermill")
    text = run_notebook(NOTEBOOK, tmp_path, monkeypatch, _fake_cifar10,
                        dict(threshold_mnist1d.PRESETS["tiny"], cifar_preset="tiny",
                             train_missing=True))
    for phrase in ("IT (mean final train error < 0.9): h = ", "widths pruned:",
                   "optimum epoch", "dense curve: outside, gap", "fits down to",
                   "rewind weights: best", "one-shot to", "epoch-wise DD",
                   "largest mean learning distance", "compact sizes span a factor",
                   "widths pruned: 1; final weights", "k =   1         final (1 seed)",
                   "final (2 seeds)"):
        assert phrase in text, phrase
    assert text.count("compact sizes span a factor") == 2  # MNIST-1D and CIFAR-10
