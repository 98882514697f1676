"""Denoising diffusion models: noise schedules, the forward process, and samplers."""
