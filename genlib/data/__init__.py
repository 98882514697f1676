"""Datasets: preparation into compact tensors under data/ and loading of what was prepared."""
