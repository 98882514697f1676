"""Sample-quality metrics: pure functions of arrays."""
