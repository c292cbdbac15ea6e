"""Neural networks in torch: models, data on the device, pruning masks, and training.

``models`` (ResNet-20 of width k, two-layer nets), ``data`` (data sets by name, label noise,
device-resident batches), ``prune`` (masks as data: global magnitude and random pruning),
``train`` (optimizers, schedules, one epoch, evaluation). This package knows nothing of
the run store; :mod:`prunedd_utils.runs` builds on it.
"""
