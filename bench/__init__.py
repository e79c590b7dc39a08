"""Benchmarks: `make bench` (python -m bench). Each prints its figure and a ratio to a baseline run in the same
process, because these machines are noisy; README keeps the latest figures."""
