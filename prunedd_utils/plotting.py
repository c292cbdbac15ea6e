"""A small shared plot style: one colour per method, so every chapter draws them alike."""

from __future__ import annotations

COLORS = {
    "dense": "black",
    "magnitude": "tab:blue",
    "hessian": "tab:green",
    "oracle": "tab:red",
    "magnitude_rt": "tab:purple",  # purple and yellow for the retrained curves, as in Fig. 7
    "hessian_rt": "goldenrod",
    "oracle_rt": "tab:red",
}

LABELS = {
    "dense": "dense",
    "magnitude": "magnitude pruning",
    "hessian": "Hessian pruning",
    "oracle": "oracle pruning",
    "magnitude_rt": "magnitude + retrain",
    "hessian_rt": "Hessian + retrain",
    "oracle_rt": "oracle retraining",
}


def use_style() -> None:
    """Set compact matplotlib defaults for the book's figures (no external style files)."""
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.dpi": 110,
        "figure.figsize": (6.4, 4.0),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
        "legend.fontsize": 8,
        "font.size": 10,
    })
