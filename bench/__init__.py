"""Benchmark scripts that print figures (run them by path); :mod:`bench.forgesim` is importable."""
