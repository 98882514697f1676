"""Diffusion: golden schedules, the forward process, samplers against an exact denoiser, resumable training."""

import math

import numpy as np
import pytest
import torch

from genlib.config.catalogue import DataSpec, point_spec
from genlib.config.settings import SettingsError, to_dict
from genlib.diffusion.samplers import Guidance, ddim_sample, ddim_timesteps, ddpm_sample, predict_noise
from genlib.diffusion.schedules import NoiseSchedule, q_sample
from genlib.families.diffusion.family import train_diffusion
from genlib.families.diffusion.settings import DiffusionSettings
from genlib.families.discovery import family_presets
from genlib.families.interface import TrainingData
from genlib.networks.unet import UNet
from genlib.training.resumable import resume_dir_for


def test_linear_schedule_golden_values():
    schedule = NoiseSchedule.create("linear", 1000)
    assert schedule.betas[0].item() == pytest.approx(1e-4) and schedule.betas[-1].item() == pytest.approx(0.02)
    assert schedule.alphas_cumprod[499].item() == pytest.approx(0.07858724288177824, rel=1e-12)
    assert schedule.alphas_cumprod[999].item() == pytest.approx(4.035829765375676e-05, rel=1e-10)


def test_cosine_schedule_follows_its_closed_form_and_clips_the_last_beta():
    schedule = NoiseSchedule.create("cosine", 1000)

    def f(t: float) -> float:  # Nichol & Dhariwal 2021, eq. 17
        return math.cos((t / 1000 + 0.008) / 1.008 * math.pi / 2) ** 2

    assert schedule.alphas_cumprod[0].item() == pytest.approx(f(1) / f(0), rel=1e-12)
    assert schedule.alphas_cumprod[499].item() == pytest.approx(0.49384359044063775, rel=1e-12)
    assert schedule.betas[-1].item() == pytest.approx(0.999)


def test_unknown_schedule_names_the_allowed_values():
    with pytest.raises(ValueError, match="unknown schedule 'sigmoid'; allowed values: linear, cosine"):
        NoiseSchedule.create("sigmoid", 10)


def test_forward_process_has_the_closed_form_mean_and_variance():
    schedule = NoiseSchedule.create("linear", 1000)
    x0 = torch.full((200_000, 1), 0.5, dtype=torch.float64)
    t = torch.full((200_000,), 300)
    x_t = q_sample(
        schedule, x0, t, torch.randn(200_000, 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    )
    abar = schedule.alphas_cumprod[300].item()
    assert x_t.mean().item() == pytest.approx(math.sqrt(abar) * 0.5, abs=5e-3)
    assert x_t.var().item() == pytest.approx(1 - abar, rel=1e-2)


def test_ddim_timesteps_uniform_and_quadratic_golden_lists():
    assert ddim_timesteps(1000, 10, "uniform") == [0, 100, 200, 300, 400, 500, 600, 700, 800, 900]
    assert ddim_timesteps(1000, 10, "quadratic") == [0, 9, 39, 88, 158, 246, 355, 483, 632, 800]
    with pytest.raises(ValueError, match=r"DDIM steps S must lie in \[1, T=100\], got 101"):
        ddim_timesteps(100, 101, "uniform")


def test_ddim_steps_follow_the_authors_code_where_rounding_and_remainders_differ():
    """ermongroup/ddim: uniform `range(0, T, T // S)`, quadratic `int(x)` of `linspace(0, sqrt(0.8 T), S) ** 2`.
    At S = 100 the last quadratic step is 800 (sqrt(800) ** 2 rounds up to 800.0000000000001), where
    i ** 2 * c rounds down to 799; at S = 300 uniform visits 334 steps, every third."""
    assert ddim_timesteps(1000, 100, "quadratic")[-3:] == [768, 783, 800]
    assert ddim_timesteps(1000, 300, "uniform") == list(range(0, 1000, 3))
    for steps in (3, 7, 10, 20, 50, 100, 250, 999):
        authors_quadratic = [int(s) for s in np.linspace(0, np.sqrt(1000 * 0.8), steps) ** 2]
        assert ddim_timesteps(1000, steps, "quadratic") == authors_quadratic
        assert ddim_timesteps(1000, steps, "uniform") == list(range(0, 1000, 1000 // steps))


def test_an_unknown_spacing_names_the_allowed_ones():
    with pytest.raises(ValueError, match=r"unknown spacing 'cubic'; allowed values: uniform, quadratic"):
        ddim_timesteps(1000, 10, "cubic")


@pytest.mark.parametrize("spacing", ["uniform", "quadratic"])
def test_s_equal_to_t_is_the_full_chain_whatever_the_spacing(spacing):
    assert ddim_timesteps(1000, 1000, spacing) == list(range(1000))


def test_ddim_does_not_clip_the_predicted_x0_by_default_and_ddpm_does():
    """The authors' code: `generalized_steps` leaves x0_t as predicted; `ddpm_steps` clamps it to [-1, 1].
    With eps = 0, x_t = 2 predicts x_0 = 2 / sqrt(abar_0), outside [-1, 1]; one step (S = 1, t = 0) returns it."""
    schedule = NoiseSchedule.create("linear", 100)
    x = torch.full((1, 2), 2.0)
    zero_eps = lambda x_t, t, labels: torch.zeros_like(x_t)  # noqa: E731
    predicted_x0 = float(2.0 / schedule.alphas_cumprod[0].sqrt())
    ddim, _ = ddim_sample(schedule, zero_eps, x, steps=1)
    torch.testing.assert_close(ddim, torch.full((1, 2), predicted_x0))
    ddpm, _ = ddpm_sample(schedule, zero_eps, x, steps=1)
    torch.testing.assert_close(ddpm, torch.ones(1, 2))  # clipped, and the last step adds no noise
    clipped, _ = ddim_sample(schedule, zero_eps, x, steps=1, clip=True)
    torch.testing.assert_close(clipped, torch.ones(1, 2))


@pytest.mark.parametrize(
    ("sampler", "clip_x0", "dataset", "clips"),
    [
        ("ddim", None, "mnist", False),
        ("ddpm", None, "mnist", True),
        ("ddim", True, "mnist", True),
        ("ddpm", False, "mnist", False),
        ("ddpm", None, "ring8", False),
    ],
)
def test_clip_x0_defaults_to_the_authors_choice_per_sampler_and_never_for_points(sampler, clip_x0, dataset, clips):
    assert tiny_diffusion(sampler=sampler, clip_x0=clip_x0, dataset=dataset).clips_x0 is clips


def test_clip_x0_is_refused_for_points_and_when_not_a_boolean():
    with pytest.raises(SettingsError, match=r"clip_x0: 2-D dataset ring8 does not lie in \[-1, 1\]"):
        tiny_diffusion(clip_x0=True)
    from genlib.config.settings import from_dict

    with pytest.raises(SettingsError, match=r"clip_x0"):
        from_dict(DiffusionSettings, {**to_dict(tiny_diffusion()), "clip_x0": "yes"}, where="training")


def exact_denoiser(schedule: NoiseSchedule, mean: float, std: float):
    """The optimal eps predictor when the data are N(mean, std^2) per coordinate."""

    def model(x, t, labels):
        abar = schedule.alphas_cumprod[t].to(x.dtype).view(-1, *([1] * (x.dim() - 1)))
        return (x - abar.sqrt() * mean) * (1 - abar).sqrt() / (abar * std**2 + 1 - abar)

    return model


@pytest.mark.parametrize("sampler", ["ddpm", "ddim-eta0", "ddim-eta1", "ddim-quadratic"])
def test_samplers_with_the_exact_denoiser_recover_the_data_distribution(sampler):
    schedule = NoiseSchedule.create("linear", 1000)
    model = exact_denoiser(schedule, mean=0.7, std=0.3)
    noise = torch.randn(5_000, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    rng = torch.Generator().manual_seed(2)
    if sampler == "ddpm":
        x, _ = ddpm_sample(schedule, model, noise, generator=rng, clip=False)
    else:
        eta = 1.0 if sampler == "ddim-eta1" else 0.0
        spacing = "quadratic" if sampler == "ddim-quadratic" else "uniform"
        x, _ = ddim_sample(schedule, model, noise, steps=500, eta=eta, spacing=spacing, generator=rng, clip=False)
    assert x.mean().item() == pytest.approx(0.7, abs=0.01)
    assert x.std().item() == pytest.approx(0.3, rel=0.05)


def test_ddim_discretisation_error_shrinks_as_the_steps_grow():
    schedule = NoiseSchedule.create("linear", 1000)
    model = exact_denoiser(schedule, mean=0.7, std=0.3)
    noise = torch.randn(5_000, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    errors = [
        abs(ddim_sample(schedule, model, noise, steps=s, clip=False)[0].std().item() - 0.3) for s in (10, 50, 200, 1000)
    ]
    assert errors == sorted(errors, reverse=True) and errors[-1] < 0.01 < 0.1 < errors[0]


def test_strided_ddpm_over_all_t_steps_is_ancestral_ddpm():
    schedule = NoiseSchedule.create("linear", 200)
    model = exact_denoiser(schedule, mean=0.7, std=0.3)
    noise = torch.randn(64, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    full, _ = ddpm_sample(schedule, model, noise, generator=torch.Generator().manual_seed(2), clip=False)
    strided, _ = ddpm_sample(schedule, model, noise, steps=200, generator=torch.Generator().manual_seed(2), clip=False)
    assert torch.equal(full, strided)


def test_strided_ddpm_overdisperses_at_few_steps_unlike_ddim():
    # Song et al. 2021, Table 1: DDPM's sigma-hat is far worse than DDIM at small S; both agree at S = T.
    schedule = NoiseSchedule.create("linear", 1000)
    model = exact_denoiser(schedule, mean=0.7, std=0.3)
    noise = torch.randn(5_000, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    ddpm_std = {
        s: ddpm_sample(schedule, model, noise, steps=s, generator=torch.Generator().manual_seed(2), clip=False)[0]
        .std()
        .item()
        for s in (10, 100, 1000)
    }
    assert ddpm_std[10] > ddpm_std[100] > ddpm_std[1000]
    assert ddpm_std[10] == pytest.approx(0.42, abs=0.02)  # sigma-hat adds too much noise per strided step
    assert ddpm_std[1000] == pytest.approx(0.3, rel=0.03)
    ddim_error = abs(ddim_sample(schedule, model, noise, steps=10, clip=False)[0].std().item() - 0.3)
    assert ddim_error < abs(ddpm_std[10] - 0.3)


def test_ddim_with_eta_zero_is_deterministic_and_keeps_the_trajectory():
    schedule = NoiseSchedule.create("linear", 100)
    model = exact_denoiser(schedule, mean=0.0, std=1.0)
    noise = torch.randn(8, 2, generator=torch.Generator().manual_seed(0))
    a, kept = ddim_sample(
        schedule, model, noise, steps=10, keep=(90, 0), clip=False, generator=torch.Generator().manual_seed(1)
    )
    b, _ = ddim_sample(schedule, model, noise, steps=10, clip=False, generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b)
    assert sorted(kept) == [0, 90] and torch.equal(kept[90], noise)


def test_classifier_free_guidance_extrapolates_from_the_unconditional_prediction():
    def model(x, t, labels):
        return labels.to(x.dtype)[:, None].expand_as(x)  # eps = the label: conditional 3, "no class" 10

    x, t = torch.zeros(2, 4), torch.zeros(2, dtype=torch.long)
    guided = predict_noise(model, x, t, Guidance(labels=torch.tensor([3, 3]), null_label=10, weight=2.0))
    assert torch.allclose(guided, torch.full((2, 4), (1 + 2.0) * 3 - 2.0 * 10))


def _model_of_x_t_and_labels(x, t, labels):
    """An eps model that depends on all three inputs, so that any one passed wrongly changes its output."""
    return 0.5 * x + 0.01 * t.to(x.dtype)[:, None] + (0.0 if labels is None else 0.1 * labels.to(x.dtype)[:, None])


@pytest.mark.parametrize("weight", [0.0, 1.0, 2.5])
def test_guided_noise_is_the_conditional_prediction_extrapolated_away_from_the_unconditional(weight):
    x = torch.arange(12.0).reshape(3, 4)
    t, labels = torch.tensor([3, 7, 9]), torch.tensor([1, 2, 0])
    guided = predict_noise(_model_of_x_t_and_labels, x, t, Guidance(labels=labels, null_label=10, weight=weight))
    conditional = _model_of_x_t_and_labels(x, t, labels)
    unconditional = _model_of_x_t_and_labels(x, t, torch.tensor([10, 10, 10]))
    torch.testing.assert_close(guided, (1 + weight) * conditional - weight * unconditional)
    unguided = predict_noise(_model_of_x_t_and_labels, x, t, None)
    torch.testing.assert_close(unguided, _model_of_x_t_and_labels(x, t, None))


def test_a_ddim_step_down_to_step_zero_uses_abar_zero_then_the_last_step_returns_x0():
    """S = 2 of T = 100 visits steps [0, 50]: from t = 50 to t' = 0 (abar_0, not 1), then from 0 to x_0.
    With eta = 0, no clipping and a constant eps, the predicted x_0 of the first step is the answer."""
    schedule = NoiseSchedule.create("linear", 100)
    assert ddim_timesteps(100, 2, "uniform") == [0, 50]
    eps = torch.tensor([[0.3, -0.7]])
    x = torch.tensor([[1.2, -0.4]])
    abar50 = schedule.alphas_cumprod[50]
    x0 = (x - (1 - abar50).sqrt() * eps) / abar50.sqrt()
    out, _ = ddim_sample(schedule, lambda x_t, t, labels: eps.expand_as(x_t), x, steps=2, eta=0.0, clip=False)
    torch.testing.assert_close(out, x0)


def test_ddpm_adds_no_noise_at_its_last_step():
    """T = 1: the one step is the last; its result is the posterior mean, whatever the generator draws."""
    schedule = NoiseSchedule.create("cosine", 1)
    x = torch.tensor([[0.5, -0.5]])
    outs = [
        ddpm_sample(
            schedule, lambda x_t, t, labels: torch.zeros_like(x_t), x, generator=torch.Generator().manual_seed(s)
        )[0]
        for s in (0, 1)
    ]
    alpha = schedule.alphas_cumprod[0]
    torch.testing.assert_close(outs[0], (x / alpha.sqrt()).clamp(-1, 1))  # x_0 = x / sqrt(abar), clipped
    torch.testing.assert_close(outs[0], outs[1])


def test_a_linear_schedule_whose_betas_would_reach_one_is_refused_by_the_schedule_and_the_settings():
    from genlib.diffusion.schedules import LINEAR_MIN_TIMESTEPS

    assert NoiseSchedule.create("linear", LINEAR_MIN_TIMESTEPS).alphas_cumprod.min() > 0
    with pytest.raises(ValueError, match=r"linear schedule over T = 20 steps would reach beta = 1 >= 1"):
        NoiseSchedule.create("linear", LINEAR_MIN_TIMESTEPS - 1)
    tiny_diffusion(timesteps=LINEAR_MIN_TIMESTEPS)
    with pytest.raises(SettingsError, match=r"timesteps 20 is too few for the linear schedule.*21 or more"):
        tiny_diffusion(timesteps=LINEAR_MIN_TIMESTEPS - 1)
    assert tiny_diffusion(timesteps=10, schedule="cosine").timesteps == 10


@pytest.mark.parametrize("sampler", [ddim_sample, ddpm_sample])
def test_samplers_keep_the_noise_dtype_and_pass_the_guidance_to_the_network(sampler):
    schedule = NoiseSchedule.create("linear", 100)  # float64 tables
    noise = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))  # float32
    guidance = Guidance(labels=torch.tensor([1, 2, 0]), null_label=10, weight=2.0)
    gen = lambda: torch.Generator().manual_seed(1)  # noqa: E731
    guided, _ = sampler(schedule, _model_of_x_t_and_labels, noise, steps=5, guidance=guidance, generator=gen())
    plain, _ = sampler(schedule, _model_of_x_t_and_labels, noise, steps=5, generator=gen())
    assert guided.dtype == torch.float32 and plain.dtype == torch.float32
    assert not torch.allclose(guided, plain)


def test_one_ddim_step_is_allowed():
    assert ddim_timesteps(10, 1, "uniform") == [0]


def test_eta_outside_the_unit_interval_is_rejected():
    schedule = NoiseSchedule.create("linear", 100)
    with pytest.raises(ValueError, match=r"eta must lie in \[0, 1\], got 1.5"):
        ddim_sample(schedule, exact_denoiser(schedule, 0, 1), torch.zeros(1, 2), steps=5, eta=1.5)


def test_settings_reject_more_sampler_steps_than_timesteps_naming_the_key():
    with pytest.raises(
        SettingsError,
        match="sampler_steps 200 is outside 1 to timesteps 100; allowed values: 1 to 100, or null for all",
    ):
        DiffusionSettings(dataset="mnist", model="ddpm", seed=0, timesteps=100, sampler_steps=200)


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (3, 64, 64)])
def test_unet_predicts_noise_of_the_input_shape(shape):
    net = UNet(image_shape=shape, channels=8, num_classes=10)
    out = net(torch.randn(2, *shape), torch.tensor([0, 999]), torch.tensor([3, 10]))
    assert out.shape == (2, *shape)


def tiny_diffusion(**overrides) -> DiffusionSettings:
    values = dict(
        family_presets()["ddpm"],
        dataset="ring8",
        model="ddpm",
        seed=4,
        width=16,
        depth=2,
        timesteps=50,
        sampler_steps=10,
        steps=12,
        batch_size=32,
        checkpoint_every=4,
    )
    values.update(overrides)
    return DiffusionSettings(**values)


def test_interrupted_and_resumed_diffusion_training_equals_straight_training(tmp_path):
    from genlib.data.mixtures import ring8
    from genlib.io.checkpoint import load_checkpoint

    data = TrainingData(torch.from_numpy(ring8().sample(256, np.random.default_rng(0))), point_spec())
    train_diffusion(tiny_diffusion(), data, tmp_path / "a" / "c.pt", tmp_path / "a" / "l.csv", progress=False)

    class Stop(Exception):
        pass

    def stop_at_6(step):
        if step == 6:
            raise Stop

    with pytest.raises(Stop):
        train_diffusion(
            tiny_diffusion(), data, tmp_path / "b" / "c.pt", tmp_path / "b" / "l.csv", on_step=stop_at_6, progress=False
        )
    assert (resume_dir_for(tmp_path / "b" / "c.pt") / "state.pt").is_file()
    result = train_diffusion(tiny_diffusion(), data, tmp_path / "b" / "c.pt", tmp_path / "b" / "l.csv", progress=False)
    assert result.resumed_from == 4
    straight, resumed = load_checkpoint(tmp_path / "a" / "c.pt"), load_checkpoint(tmp_path / "b" / "c.pt")
    for name in straight["ema"]:
        assert torch.equal(straight["ema"][name], resumed["ema"][name]), name
    assert (tmp_path / "a" / "l.csv").read_text() == (tmp_path / "b" / "l.csv").read_text()
    assert (tmp_path / "a" / "c.pt").read_bytes() == (tmp_path / "b" / "c.pt").read_bytes()  # same SHA-256


def test_resumed_training_of_a_dropout_unet_equals_straight_training_in_every_parameter(tmp_path):
    """Dropout draws from torch's global generator at every step: resuming is exact only when that
    generator is saved and restored with the networks (a run with no dropout would not tell)."""
    from genlib.io.checkpoint import load_checkpoint

    settings = tiny_diffusion(
        dataset="mnist",
        channels=4,
        dropout=0.3,
        attention=False,
        steps=6,
        batch_size=4,
        checkpoint_every=3,
        ema_decay=0.9,
    )
    images = torch.randint(0, 256, (32, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    data = TrainingData(images, DataSpec("images", (1, 28, 28), 10), torch.arange(32) % 10)
    train_diffusion(settings, data, tmp_path / "a" / "c.pt", tmp_path / "a" / "l.csv", progress=False)

    class Stop(Exception):
        pass

    def stop_at_4(step):
        if step == 4:
            raise Stop

    with pytest.raises(Stop):
        train_diffusion(
            settings, data, tmp_path / "b" / "c.pt", tmp_path / "b" / "l.csv", on_step=stop_at_4, progress=False
        )
    result = train_diffusion(settings, data, tmp_path / "b" / "c.pt", tmp_path / "b" / "l.csv", progress=False)
    assert result.resumed_from == 3
    straight, resumed = load_checkpoint(tmp_path / "a" / "c.pt"), load_checkpoint(tmp_path / "b" / "c.pt")
    for part in ("model", "ema"):
        for name in straight[part]:
            assert torch.equal(straight[part][name], resumed[part][name]), (part, name)
    for a, b in zip(straight["optimizer"]["state"].values(), resumed["optimizer"]["state"].values()):
        assert all(torch.equal(a[key], b[key]) for key in a)
