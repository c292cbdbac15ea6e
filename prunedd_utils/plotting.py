"""A small shared plot style: one colour per method, so every chapter draws them alike.

Also the panels of a width sweep (:func:`width_panel`, :func:`shared_legend`), drawn from
the table rows of :mod:`prunedd_utils.runs`, for the chapters that sweep a network's width.
"""

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


# The rendered book's text column: 784 CSS px in a 1400 px window (sphinx-book-theme 1.3).
COLUMN_PX = 784
CSS_PX_PER_PT = 96 / 72
MIN_PT = 9.0


def use_style() -> None:
    """Set compact matplotlib defaults for the book's figures (no external style files).

    Every text is at least 9 pt, and a 7-inch figure at 110 dpi (770 px) fits the text
    column unscaled, so its text reaches the reader at 9 pt or more (:func:`check_legible`).
    """
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.dpi": 110,
        "figure.figsize": (6.4, 4.0),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
        "legend.fontsize": 9,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 10,
        "font.size": 10,
    })


def display_scale(fig, column_px: int = COLUMN_PX) -> float:
    """Points on the reader's screen per point of text in ``fig``, in the book's column.

    The notebook stores the figure at its own dpi; the page shows it at its natural size,
    or shrunk to the text column when wider (a CSS point is 96/72 px).
    """
    width_px = fig.get_figwidth() * fig.dpi
    return fig.dpi / 72 / CSS_PX_PER_PT * min(1.0, column_px / width_px)


def check_legible(fig, min_pt: float = MIN_PT, column_px: int = COLUMN_PX):
    """Raise ``ValueError`` naming every visible text of ``fig`` shown smaller than ``min_pt``.

    The size is the one at display (:func:`display_scale`, a 1400 px window); a figure
    wider than the column shrinks, and its text with it. Returns ``fig`` for chaining.
    """
    from matplotlib.text import Text

    scale = display_scale(fig, column_px)
    small = sorted({(round(float(t.get_fontsize() * scale), 1), t.get_text()[:30])
                    for t in fig.findobj(Text)
                    if t.get_visible() and t.get_text().strip()
                    and t.get_fontsize() * scale < min_pt - 1e-9})
    if small:
        raise ValueError(f"figure text below {min_pt} pt at display size (scale {scale:.2f}):"
                         f" {small[:5]}; make the figure narrower or the text larger")
    return fig


# Width sweeps (chapters 05 and 06): colour = pruning target, marker = method, line = error.
TARGET_COLORS = ("tab:red", "tab:green", "tab:purple", "tab:orange", "tab:brown", "tab:cyan")
METHOD_MARKERS = {"none": "o", "magnitude": "s", "random": "^"}
KEY_LINES = {"test_err": "-", "late_test_err": "-", "train_err": "--", "pruned_test_err": ":",
             "pruned_train_err": ":"}
KEY_SUFFIX = {"test_err": "", "late_test_err": "", "train_err": ", train",
              "pruned_test_err": ", not retrained", "pruned_train_err": ", not retrained, train"}


def _suffix(key: str) -> str:
    """What a curve's legend label adds for the error ``key``."""
    return KEY_SUFFIX.get(key, f", {key}")


def width_curve(rows: list[dict], key: str, x: str = "width", **equal):
    """``(xs, mean, low, high)`` of ``key`` against ``x`` over the selected table rows.

    Rows sharing an ``x`` (seeds) are averaged; ``low`` and ``high`` are their minimum and
    maximum (equal to the mean for one row). Rows without ``key`` are skipped.
    """
    from .runs.table import select

    groups: dict = {}
    for r in select(rows, **equal):
        if r.get(key) is not None:
            groups.setdefault(r[x], []).append(r[key])
    xs = sorted(groups)
    mean = [sum(groups[v]) / len(groups[v]) for v in xs]
    return xs, mean, [min(groups[v]) for v in xs], [max(groups[v]) for v in xs]


def width_panel(
    ax,
    rows: list[dict],
    targets=(),
    methods=("magnitude",),
    keys=("test_err",),
    *,
    dense: bool = True,
    colors: dict | None = None,
    target_name: str = "b",
    base_lines: bool = False,
    base_key: str = "test_err",
    xlabel: str = "width h of the dense network",
    title: str | None = None,
    legend: bool | str = True,
    **equal,
):
    """One panel of a width sweep from table rows (``runs.sweep`` / ``runs.summary``).

    Draws, against the width of the dense network on a log2 axis, each error in ``keys``
    (``test_err`` solid, ``train_err`` dashed, ``pruned_test_err``, the pruned network
    before retraining, dotted) of the dense runs (``prune="none"``, in black; a
    ``pruned_`` key is drawn as its dense counterpart) and of the runs pruned by each of
    ``methods`` to each base width in ``targets`` (one colour per target, one marker per
    method). ``equal`` selects rows (e.g. ``label_noise=0.2, seed=0``); rows sharing a width
    (seeds) are averaged, with a band from their minimum to maximum. With ``base_lines``, a
    thin dash-dot line marks each target's dense error ``base_key`` (its band: over seeds),
    the line a pruned network must beat. Works for any sweep whose rows carry ``width``,
    ``prune`` and ``base_width`` (two-layer nets, ResNet-20). ``legend``: True (placed by
    matplotlib), a location such as ``"upper right"``, or False (e.g. for
    :func:`shared_legend`). Returns ``ax``.
    """
    if colors is None:
        colors = dict(zip(targets, TARGET_COLORS * (1 + len(targets) // len(TARGET_COLORS)),
                          strict=False))
    shown = set()

    def draw(key, color, marker, label, **sel):
        xs, y, lo, hi = width_curve(rows, key, **sel, **equal)
        if not xs:
            return
        ax.plot(xs, y, marker=marker, ls=KEY_LINES.get(key, "-"), color=color, label=label)
        if any(a != b for a, b in zip(lo, hi, strict=True)):
            ax.fill_between(xs, lo, hi, color=color, alpha=0.15, lw=0)
        shown.update(xs)

    if dense:
        for key in dict.fromkeys(k.removeprefix("pruned_") for k in keys):
            draw(key, COLORS["dense"], METHOD_MARKERS["none"], f"dense{_suffix(key)}",
                 prune="none")
    for t in targets:
        for method in methods:
            for key in keys:
                draw(key, colors[t], METHOD_MARKERS.get(method, "D"),
                     f"{method} to {target_name}={t}{_suffix(key)}",
                     prune=method, base_width=t)
        if base_lines:
            _, y, lo, hi = width_curve(rows, base_key, prune="none", width=t, **equal)
            if y:
                ax.axhline(y[0], color=colors[t], ls="-.", lw=1)
                if lo[0] != hi[0]:
                    ax.axhspan(lo[0], hi[0], color=colors[t], alpha=0.15, lw=0)
    ax.set_xscale("log", base=2)
    if shown:
        ticks = sorted(shown)
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(**({"loc": legend} if isinstance(legend, str) else {}))
    return ax


def shared_legend(fig, axes, ncol: int = 4, **kwargs):
    """One legend below the panels of ``fig`` holding every labelled curve of ``axes`` once.

    Call it after ``fig.tight_layout()``: the legend sits just below the figure, which a
    tight bounding box (the notebook's inline figures, ``savefig(bbox_inches="tight")``)
    includes.
    """
    seen: dict = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    return fig.legend(list(seen.values()), list(seen), loc="upper center", ncol=ncol,
                      bbox_to_anchor=(0.5, 0.0), **kwargs)
