"""Runs as table rows: one flat dict per run, and small helpers to select and print them."""

from __future__ import annotations

import dataclasses

from .settings import RunSettings


def summary(settings: RunSettings, metrics: dict) -> dict:
    """One flat table row: the settings, the hash, the status and the deciding final numbers."""
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
    else:
        row.update(metrics["final"])
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
