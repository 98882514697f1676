"""A trained diffusion model wrapped as a generator: noise x_T (and labels) in, samples out.

With this wrapper the sampling, picture and metric code treats GANs and diffusion models alike:
`module(noise, labels)` returns samples in the data range, `module.latent_shape` is the shape of
one noise sample (the data's shape for diffusion, (latent_dim,) for a GAN).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from genlib.diffusion.samplers import Guidance, ddim_sample, ddpm_sample
from genlib.diffusion.schedules import NoiseSchedule

if TYPE_CHECKING:
    from genlib.families.diffusion.settings import DiffusionSettings


class DiffusionSampler(nn.Module):
    """Runs the sampler of `settings` (DDPM or DDIM with its S, eta and spacing) on an epsilon network."""

    def __init__(
        self,
        denoiser: nn.Module,
        settings: DiffusionSettings,
        shape: tuple[int, ...],
        *,
        num_classes: int = 0,
        clip: bool = False,
        seed: int = 0,
    ):
        super().__init__()
        self.denoiser, self.settings, self.latent_shape = denoiser, settings, shape
        self.num_classes = num_classes if settings.conditional else 0
        self.schedule = NoiseSchedule.create(settings.schedule, settings.timesteps)
        self.seed = seed
        self.generator: torch.Generator | None = None
        self.clip = clip  # clip the predicted x_0 to the data range [-1, 1] (images)

    def forward(
        self, noise: torch.Tensor, labels: torch.Tensor | None = None, *, keep: tuple[int, ...] = ()
    ) -> torch.Tensor:
        samples, _ = self.trajectory(noise, labels, keep=keep)
        return samples

    @torch.no_grad()
    def trajectory(self, noise: torch.Tensor, labels: torch.Tensor | None = None, *, keep: tuple[int, ...] = ()):
        """Samples and the intermediate states x_t at the 0-based steps `keep`."""
        if self.generator is None or self.generator.device != noise.device:
            self.generator = torch.Generator(device=noise.device).manual_seed(self.seed)  # the samplers' own noise
        guidance = None
        if self.num_classes and labels is not None:
            guidance = Guidance(labels=labels, null_label=self.num_classes, weight=self.settings.guidance)

        def model(x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
            return self.denoiser(x, t, y)

        s = self.settings
        if s.sampler == "ddpm":
            return ddpm_sample(
                self.schedule,
                model,
                noise,
                steps=s.sampler_steps,
                spacing=s.spacing,
                generator=self.generator,
                guidance=guidance,
                clip=self.clip,
                keep=keep,
            )
        return ddim_sample(
            self.schedule,
            model,
            noise,
            steps=s.sampler_steps,
            eta=s.eta,
            spacing=s.spacing,
            generator=self.generator,
            guidance=guidance,
            clip=self.clip,
            keep=keep,
        )
