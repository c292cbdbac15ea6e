"""Runs as table rows: one flat dict per run, and small helpers to select and print them."""

from __future__ import annotations

import dataclasses

from .settings import RunSettings

LATE_EVALUATIONS = 4  # test evaluations averaged into ``late_test_err`` (epochs 85-100 at 5/100)


def late_mean(history: list[dict], key: str = "test_err", last: int = LATE_EVALUATIONS):
    """The mean of ``key`` over the last ``last`` evaluations of a training history.

    One final evaluation of a network trained with a constant learning rate moves by a
    point or more from one evaluation to the next; the mean of the last few is the
    number a width sweep compares. None when the history has no evaluation of ``key``.
    """
    if last < 1:
        raise ValueError(f"last must be an integer >= 1, got {last}")
    values = [h[key] for h in history if h.get(key) is not None][-last:]
    return sum(values) / len(values) if values else None


def summary(settings: RunSettings, metrics: dict) -> dict:
    """One flat table row: the settings, the hash, the status and the deciding final numbers.

    ``late_test_err`` is the mean test error over the last evaluations of the final
    training (the retraining, for a pruned run): :func:`late_mean`.
    """
    row = dict(dataclasses.asdict(settings), hash=settings.hash)
    row["status"] = metrics.get("status")
    row["params"] = metrics.get("params")
    row["seconds"] = metrics.get("seconds")
    if row["status"] == "failed":
        row["reason"] = metrics.get("reason")
        return row
    if settings.is_pruned:
        last = metrics["levels"][-1]
        row["kept"] = last["mask"]["kept"]
        row["density"] = last["mask"]["density"]
        row.update({f"dense_{k}": v for k, v in (metrics.get("dense") or {}).items()})
        row.update({f"pruned_{k}": v for k, v in last["pruned"].items()})
        row.update(last["final"])
        row["late_test_err"] = late_mean(last.get("history", []))
    else:
        row.update(metrics["final"])
        row["late_test_err"] = late_mean(metrics.get("history", []))
    return row


def select(rows: list[dict], **equal) -> list[dict]:
    """The rows whose fields equal the given values (``select(rows, prune="none")``)."""
    return [r for r in rows if all(r.get(k) == v for k, v in equal.items())]


def column(rows: list[dict], key: str) -> list:
    """One field of every row, in order."""
    return [r.get(key) for r in rows]


def curve(rows: list[dict], x: str, y: str, **equal) -> tuple[list, list]:
    """``(xs, ys)`` of the selected rows, sorted by ``x`` (one line of a plot)."""
    pairs = sorted((r[x], r[y]) for r in select(rows, **equal))
    return [p[0] for p in pairs], [p[1] for p in pairs]


def seed_matrix(rows: list[dict], x: str, y: str, xs, seeds, **equal):
    """``y`` as a list of rows, one per seed, each over ``xs``: the input of the rules of
    :mod:`prunedd_utils.double_descent` for one curve per seed.

    ``equal`` selects the rows (as :func:`select`); a missing ``(seed, x)`` raises a
    ValueError naming it (every seed must cover every ``x``).
    """
    out = []
    for seed in seeds:
        line = []
        for v in xs:
            hit = select(rows, seed=seed, **{x: v}, **equal)
            if len(hit) != 1:
                raise ValueError(f"expected one row with seed={seed}, {x}={v}, {equal}; "
                                 f"found {len(hit)}")
            line.append(hit[0][y])
        out.append(line)
    return out


def format_table(rows: list[dict], keys: list[str], digits: int = 4) -> str:
    """A plain-text table of ``keys`` (floats to ``digits`` significant digits)."""

    def cell(v):
        return f"{v:.{digits}g}" if isinstance(v, float) else str(v)

    body = [[cell(r.get(k)) for k in keys] for r in rows]
    widths = [max(len(k), *(len(b[i]) for b in body)) if body else len(k)
              for i, k in enumerate(keys)]
    lines = ["  ".join(k.rjust(w) for k, w in zip(keys, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(b, widths, strict=True)) for b in body]
    return "\n".join(lines)
