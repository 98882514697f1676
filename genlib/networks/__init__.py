"""Networks (nn.Modules only); each family builds its own from a run's settings (genlib/families/<name>/networks.py)."""
