"""Benchmarks from QUALITY.md; each prints the app's figure beside a baseline measured in the same run."""
