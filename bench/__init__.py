"""Benchmarks: each script prints one JSON object (``python -m bench.<name>``); helpers in ``bench.common``."""
