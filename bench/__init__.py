"""Benchmarks of the directive graph: ``bench.generate`` writes synthetic national-size graphs with known defects."""
