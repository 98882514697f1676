"""genlib: generative image model experiments (GANs and diffusion) as a library with a CLI."""

__version__ = "0.1.0"
