"""Benchmarks: `make bench` (bench/run.py); never part of the tests."""
