"""Monte Carlo campaigns: paired (common-random-number) experiments over scenario variants.

A campaign file names a base scenario, variants (named sets of overrides by key path), optional
sweeps (cartesian products of values), a seed and a replication count. Replication ``r`` of every
variant runs with the same seed (``iadsim.rng.replication_seeds``), so differences between
variants are paired. See ``docs/campaigns.md``.

Modules: :mod:`~iadsim.campaign.spec` (file, overrides, validation), :mod:`~.executors` (local
process pool, Dask), :mod:`~.store` (hive-partitioned Parquet, manifest, resume),
:mod:`~.runner` (planning, chunks, progress, ``--until-ci``), :mod:`~.stats` (CIs, paired
differences), :mod:`~.report` (tables, plots, CSV), :mod:`~.sensitivity` (SALib Morris / Sobol).
"""
