"""Diffusion-GAN's instance noise: what the discriminator sees, diffused to an adaptive timestep.

Wang, Zheng, He, Chen & Zhou, "Diffusion-GAN: Training GANs with Diffusion" (ICLR 2023), as the
authors' code does it (Zhendong-Wang/Diffusion-GAN, diffusion-stylegan2/training/diffusion.py,
training_loop.py and loss.py):

1. Forward diffusion (their eq. 1 and `q_sample`): a sample x (real or generated) is replaced by
   x_t = sqrt(abar_t) x + sqrt(1 - abar_t) * sigma * eps, eps ~ N(0, I), with the linear schedule
   beta_1..beta_T = linspace(1e-4, 2e-2, T), abar_0 = 1 and abar_t = prod_{s <= t} (1 - beta_s), and
   sigma = `diffusion_noise_std` (0.05).
2. Timesteps (`update_T`): a table of 64 entries, 32 drawn from 1..T (priority: P(t) ~ t - 1;
   or uniform) and 32 zeros (no diffusion); each sample's t is drawn uniformly from the table. The
   table is redrawn whenever T is recomputed.
3. Adaptive T (the ADA-style rule of their Sec. 3.3 and `training_loop.py`): every `interval`
   discriminator steps, r_d = the mean of sign(D(x_t)) over the real samples of those steps,
   p <- clip(p + sign(r_d - target) * batch * interval / (1000 * kimg), 0, 1), and
   T = clip(t_min + round(p * (t_max - t_min)), t_min, t_max).
4. D is conditioned on t. The authors feed t to StyleGAN2's mapping network; for every network of
   this pipeline (2-D MLPs, the maxout D, DCGANs, the Stacked MNIST pairs) t / t_max enters as one
   more input channel (a constant plane for images, a feature for points), which packing then
   concatenates like the others: conditioning by concatenation (Mirza & Osindero 2014).

The state (p, T, the t table and the running sum of r_d) is held in buffers, so it is saved in
the discriminator's state dict and a resumed run continues it exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:
    from genlib.families.gan.settings import GANSettings

BETA_START, BETA_END = 1e-4, 2e-2  # the authors' linear schedule (train.py defaults)
TABLE_SIZE, DIFFUSED_ENTRIES = 64, 32  # `t_epl` of update_T: 32 timesteps drawn from 1..T, 32 zeros


def chain_length(p: float, t_min: int, t_max: int) -> int:
    """T for the diffusion strength p in [0, 1] (`update_T`: Python's round, as the authors')."""
    return int(min(max(t_min + round(p * (t_max - t_min)), t_min), t_max))


def adjusted_p(p: float, r_d: float, *, target: float, batch_size: int, interval: int, kimg: float) -> float:
    """p after one adjustment on r_d = E[sign D(real)] (the authors' training_loop.py)."""
    sign = (r_d > target) - (r_d < target)  # np.sign: 0 when r_d equals the target
    return min(max(p + sign * batch_size * interval / (kimg * 1000), 0.0), 1.0)


def sqrt_alpha_bars(T: int) -> tuple[torch.Tensor, torch.Tensor]:
    """sqrt(abar_t) and sqrt(1 - abar_t) for t = 0..T (float32, t = 0: no diffusion), as `set_diffusion_process`."""
    betas = torch.linspace(BETA_START, BETA_END, T, dtype=torch.float64).float()
    alpha_bars = torch.cat([torch.ones(1), (1.0 - betas).cumprod(0)])
    return alpha_bars.sqrt(), (1.0 - alpha_bars).sqrt()


class DiffusedDiscriminator(nn.Module):
    """D of Diffusion-GAN: diffuses its input to a drawn t, appends t / t_max as a channel, and scores it
    with `inner` (built for one more channel). The trainer calls `observe` with each D step's real scores
    and `adapt` after each iteration."""

    def __init__(
        self,
        inner: nn.Module,
        *,
        target: float,
        t_min: int,
        t_max: int,
        interval: int,
        kimg: float,
        t_sampling: str,
        noise_std: float,
        batch_size: int,
    ):
        super().__init__()
        self.inner = inner
        self.target, self.t_min, self.t_max, self.interval, self.kimg = target, t_min, t_max, interval, kimg
        self.t_sampling, self.noise_std, self.batch_size = t_sampling, noise_std, batch_size
        self.rng: torch.Generator | None = None  # the run's generator: set by `attach`
        self.register_buffer("p", torch.zeros((), dtype=torch.float64))
        self.register_buffer("T", torch.tensor(t_min, dtype=torch.int64))
        self.register_buffer("t_table", torch.zeros(TABLE_SIZE, dtype=torch.int64))
        # Since the last adjustment: the sum of sign D(real), how many scores it holds, and the D steps they came from.
        self.register_buffer("sign_sum", torch.zeros((), dtype=torch.float64))
        self.register_buffer("sign_count", torch.zeros((), dtype=torch.int64))
        self.register_buffer("steps", torch.zeros((), dtype=torch.int64))
        self._remake_schedule()
        # A loaded state brings its own T: the schedule follows it.
        self.register_load_state_dict_post_hook(lambda module, keys: module._remake_schedule())

    def attach(self, rng: torch.Generator) -> None:
        """Draw timesteps and noise from `rng` (the run's generator), and draw the first t table (p = 0: T = t_min)."""
        self.rng = rng
        self.update_T()

    def _remake_schedule(self) -> None:
        # Derived from T, so not saved: non-persistent buffers, which follow the module's device.
        sqrt_ab, sqrt_one_minus_ab = sqrt_alpha_bars(int(self.T))
        device = self.T.device
        self.register_buffer("sqrt_alpha_bar", sqrt_ab.to(device), persistent=False)
        self.register_buffer("sqrt_one_minus_alpha_bar", sqrt_one_minus_ab.to(device), persistent=False)

    @torch.no_grad()
    def update_T(self) -> None:
        """T from p, its schedule, and a fresh table of timesteps (`update_T`)."""
        T = chain_length(float(self.p), self.t_min, self.t_max)
        self.T.fill_(T)
        self._remake_schedule()
        device = self.t_table.device
        if self.t_sampling == "priority":  # P(t) ~ t - 1 over t = 1..T (np.arange(T) / sum)
            weights = torch.arange(T, dtype=torch.float64, device=device)
            drawn = torch.multinomial(weights, DIFFUSED_ENTRIES, replacement=True, generator=self.rng) + 1
        else:
            drawn = torch.randint(1, T + 1, (DIFFUSED_ENTRIES,), generator=self.rng, device=device)
        self.t_table.zero_()
        self.t_table[:DIFFUSED_ENTRIES] = drawn

    @torch.no_grad()
    def observe(self, real_scores: torch.Tensor) -> None:
        """Count one D step's scores of real samples toward r_d."""
        self.sign_sum += real_scores.detach().sign().double().sum()
        self.sign_count += real_scores.numel()
        self.steps += 1

    @torch.no_grad()
    def adapt(self) -> None:
        """After an iteration: once `interval` D steps were observed, move p toward the target and remake T.

        p moves by the samples those steps saw: `interval` batches with one D step per iteration, as the
        authors train; more when n_critic > 1 takes several D steps per iteration."""
        steps = int(self.steps)
        if steps < self.interval:
            return
        r_d = float(self.sign_sum / self.sign_count)
        self.p.fill_(
            adjusted_p(
                float(self.p), r_d, target=self.target, batch_size=self.batch_size, interval=steps, kimg=self.kimg
            )
        )
        self.sign_sum.zero_()
        self.sign_count.zero_()
        self.steps.zero_()
        self.update_T()

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.rng is None:
            raise RuntimeError("DiffusedDiscriminator.attach(rng) must be called before training")
        batch, device = x.shape[0], x.device
        t = self.t_table[torch.randint(0, TABLE_SIZE, (batch,), generator=self.rng, device=device)]  # (B,)
        shape = (batch,) + (1,) * (x.dim() - 1)
        noise = torch.randn(x.shape, generator=self.rng, device=device, dtype=x.dtype) * self.noise_std
        x_t = (
            self.sqrt_alpha_bar[t].view(shape).to(x.dtype) * x
            + self.sqrt_one_minus_alpha_bar[t].view(shape).to(x.dtype) * noise
        )
        t_channel = (t.to(x.dtype) / self.t_max).view(shape).expand(batch, 1, *x.shape[2:])  # (B, 1, ...)
        return self.inner(torch.cat([x_t, t_channel], dim=1), labels)


def diffused(discriminator: nn.Module, settings: GANSettings, rng: torch.Generator) -> DiffusedDiscriminator:
    """Diffusion-GAN's D around `discriminator` (built for one more channel), with the run's settings and generator."""
    wrapped = DiffusedDiscriminator(
        discriminator,
        target=settings.diffusion_target,
        t_min=settings.diffusion_t_min,
        t_max=settings.diffusion_t_max,
        interval=settings.diffusion_interval,
        kimg=settings.diffusion_kimg,
        t_sampling=settings.diffusion_t_sampling,
        noise_std=settings.diffusion_noise_std,
        batch_size=settings.batch_size,
    ).to(next(discriminator.parameters()).device)
    wrapped.attach(rng)
    return wrapped
