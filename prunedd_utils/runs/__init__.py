"""Runs of the neural experiments: settings, the store, the pipeline, and sweeps.

One import direction: :mod:`.settings` (what a run is) <- :mod:`.store` (where its files
live) <- :mod:`.pipeline` (train, prune, retrain; imports torch) <- :mod:`.backends`
(sweeps, local or on Dask); :mod:`.table` turns stored runs into rows. Importing this
package loads no torch; ``pipeline`` does.
"""

from .backends import BACKENDS, sweep
from .settings import RunSettings, field_help, fields_of
from .store import Run, StoreError, stored_settings
from .table import column, curve, format_table, seed_matrix, select, summary

__all__ = [
    "BACKENDS",
    "Run",
    "RunSettings",
    "StoreError",
    "column",
    "curve",
    "field_help",
    "fields_of",
    "format_table",
    "seed_matrix",
    "select",
    "stored_settings",
    "summary",
    "sweep",
]
