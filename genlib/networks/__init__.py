"""Networks (nn.Modules only) and build.py, which turns a run's settings into them."""
