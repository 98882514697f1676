"""The batched trainer: many seeds of one 2-D GAN as one computation, each run as if trained alone."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from genlib.config.catalogue import point_spec
from genlib.data.mixtures import ring8
from genlib.families.discovery import family_presets
from genlib.families.gan.batched import train_gan_group
from genlib.families.gan.family import FAMILY, train_gan
from genlib.families.gan.settings import GANSettings
from genlib.families.interface import TrainingData
from genlib.io.checkpoint import load_checkpoint
from genlib.training.resumable import resume_dir_for


@pytest.fixture(scope="module")
def data() -> TrainingData:
    return TrainingData(torch.from_numpy(ring8().sample(512, np.random.default_rng(0))), point_spec(), sha256="d" * 64)


def group_settings(seeds, **overrides) -> list[GANSettings]:
    values = dict(
        family_presets()["gan-nonsaturating"],
        dataset="ring8",
        model="pacgan2",
        seed=0,
        network="pacgan",
        packing=2,
        g_width=16,
        g_depth=2,
        d_width=8,
        d_depth=2,
        maxout_pieces=3,
        steps=10,
        batch_size=24,
        checkpoint_every=4,
        log_every=1,
    )
    values.update(overrides)
    return [GANSettings(**{**values, "seed": seed}) for seed in seeds]


def paths_for(root, seeds):
    return [root / f"seed{s}" / "checkpoint.pt" for s in seeds], [root / f"seed{s}" / "losses.csv" for s in seeds]


def assert_close_runs(a: dict, b: dict, exact: bool = False) -> None:
    for part in ("generator", "discriminator"):
        for key in a[part]:
            if exact:
                assert torch.equal(a[part][key], b[part][key]), f"{part}.{key}"
            else:
                torch.testing.assert_close(a[part][key], b[part][key], rtol=1e-5, atol=1e-6, msg=f"{part}.{key}")


@pytest.mark.parametrize("updates", ["alternating", "simultaneous"])
def test_each_run_of_a_group_ends_where_the_single_run_trainer_ends(tmp_path, data, updates):
    """With the authors' bias-free generator: a bias before batch norm has a zero gradient, whose rounding
    noise Adam scales up to +-lr steps that differ between trainers (and change no output)."""
    seeds = [3, 4]
    group = group_settings(seeds, updates=updates)
    results = train_gan_group(group, data, *paths_for(tmp_path / "group", seeds), progress=False)
    assert [r.status for r in results] == ["completed", "completed"]
    for settings in group:
        single = tmp_path / "single" / f"seed{settings.seed}"
        train_gan(settings, data, single / "checkpoint.pt", single / "losses.csv", progress=False)
        grouped = load_checkpoint(tmp_path / "group" / f"seed{settings.seed}" / "checkpoint.pt")
        alone = load_checkpoint(single / "checkpoint.pt")
        assert_close_runs(grouped, alone)
        assert grouped["step"] == 10 and grouped["data_sha256"] == "d" * 64 and grouped["settings"] == alone["settings"]
        FAMILY.sampling_model(grouped)  # the sample job loads it like any checkpoint


def test_a_run_does_not_depend_on_the_group_it_is_trained_in(tmp_path, data):
    train_gan_group(group_settings([5]), data, *paths_for(tmp_path / "one", [5]), progress=False)
    train_gan_group(group_settings([7, 5, 6]), data, *paths_for(tmp_path / "three", [7, 5, 6]), progress=False)
    one = load_checkpoint(tmp_path / "one" / "seed5" / "checkpoint.pt")
    three = load_checkpoint(tmp_path / "three" / "seed5" / "checkpoint.pt")
    assert_close_runs(one, three)
    other = load_checkpoint(tmp_path / "three" / "seed6" / "checkpoint.pt")
    assert not torch.equal(one["generator"]["net.0.weight"], other["generator"]["net.0.weight"])


class Interrupt(Exception):
    pass


def test_an_interrupted_group_resumes_bit_identically(tmp_path, data):
    seeds = [1, 2]
    group = group_settings(seeds)
    train_gan_group(group, data, *paths_for(tmp_path / "straight", seeds), progress=False)

    def stop_at_6(step):
        if step == 6:
            raise Interrupt

    with pytest.raises(Interrupt):
        train_gan_group(group, data, *paths_for(tmp_path / "resumed", seeds), on_step=stop_at_6, progress=False)
    assert load_checkpoint(resume_dir_for(tmp_path / "resumed" / "seed1" / "checkpoint.pt") / "state.pt")["step"] == 4
    results = train_gan_group(group, data, *paths_for(tmp_path / "resumed", seeds), progress=False)
    assert [r.resumed_from for r in results] == [4, 4]
    for seed in seeds:
        straight = load_checkpoint(tmp_path / "straight" / f"seed{seed}" / "checkpoint.pt")
        resumed = load_checkpoint(tmp_path / "resumed" / f"seed{seed}" / "checkpoint.pt")
        assert_close_runs(straight, resumed, exact=True)
        assert straight["opt_g"]["state"][0]["exp_avg"].equal(resumed["opt_g"]["state"][0]["exp_avg"])
        for name in ("losses.csv",):
            assert (tmp_path / "straight" / f"seed{seed}" / name).read_text() == (
                tmp_path / "resumed" / f"seed{seed}" / name
            ).read_text()


def test_a_diverging_run_is_recorded_at_its_step_and_the_others_go_on(tmp_path, data):
    """NaN put into run 1's generator after step 3: it is diverged at step 4; runs 0 and 2 end as in a group
    without the fault."""
    seeds = [1, 2, 3]
    group = group_settings(seeds)
    train_gan_group(group, data, *paths_for(tmp_path / "clean", seeds), progress=False)

    import genlib.families.gan.batched as gan_family

    real_view = gan_family.StackedView

    def poison(step):
        if step == 3:
            with torch.no_grad():
                poison.network.params["net.0.weight"][1].fill_(float("nan"))

    class Recorder(real_view):
        def __init__(self, network, run):
            super().__init__(network, run)
            if run == 0 and not hasattr(poison, "network"):
                poison.network = network  # the stacked generator (built before the discriminator)

    gan_family.StackedView = Recorder
    try:
        results = train_gan_group(group, data, *paths_for(tmp_path / "faulty", seeds), on_step=poison, progress=False)
    finally:
        gan_family.StackedView = real_view
    assert [r.status for r in results] == ["completed", "diverged", "completed"]
    diverged = load_checkpoint(tmp_path / "faulty" / "seed2" / "checkpoint.pt")
    assert diverged["diverged_at_step"] == 4 and diverged["status"] == "diverged"
    for seed in (1, 3):
        assert_close_runs(
            load_checkpoint(tmp_path / "clean" / f"seed{seed}" / "checkpoint.pt"),
            load_checkpoint(tmp_path / "faulty" / f"seed{seed}" / "checkpoint.pt"),
            exact=True,
        )


@pytest.mark.parametrize(
    "overrides",
    [
        {"gradient_penalty": 10.0, "network": "mlp"},
        {"spectral_norm": True, "network": "mlp"},
        {"ema_decay": 0.9},
        {"diffusion_gan": True},
        {"g_steps": 2},
    ],
)
def test_settings_the_batched_trainer_cannot_take_are_refused_naming_them(tmp_path, data, overrides):
    refused = next(name for name in overrides if name != "network")
    with pytest.raises(ValueError, match=f"the batched trainer takes no {refused} \\(nor any of gradient_penalty, "):
        train_gan_group(group_settings([1, 2], **overrides), data, *paths_for(tmp_path, [1, 2]), progress=False)


def test_a_group_of_runs_that_differ_in_more_than_the_seed_is_refused(tmp_path, data):
    group = group_settings([1]) + [dataclasses.replace(group_settings([2])[0], lr_g=1e-3)]
    with pytest.raises(ValueError, match="the runs of a group must differ in their seed only"):
        train_gan_group(group, data, *paths_for(tmp_path, [1, 2]), progress=False)


def test_a_group_whose_checkpoints_share_a_folder_is_refused_before_anything_is_written(tmp_path, data):
    checkpoints = [tmp_path / "run" / "a.pt", tmp_path / "run" / "b.pt"]
    losses = [tmp_path / "run" / "a.csv", tmp_path / "run" / "b.csv"]
    with pytest.raises(
        ValueError, match=r"checkpoints .*a\.pt and .*b\.pt are in one folder, whose resume/ would hold"
    ):
        train_gan_group(group_settings([1, 2]), data, checkpoints, losses, progress=False)
    assert not (tmp_path / "run").exists()


@pytest.fixture
def float64_default():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def test_at_the_authors_network_size_a_group_computes_what_single_runs_compute_in_float64(tmp_path, float64_default):
    """PacGAN's 2-D networks (4 x 400 generator, 3 x 200 x 5 maxout discriminator), batch 100, packing 2.

    In float32 the two trainers part after some hundred steps (300 steps: 0.02 in discriminator weights),
    because batched and single matmuls round differently and GAN training amplifies any difference. In
    float64 the rounding is 2**-53 instead of 2**-24, and after 100 steps they agree to 2e-9 (measured): the
    same computation, not the same bits.
    """
    data64 = TrainingData(torch.from_numpy(ring8().sample(5000, np.random.default_rng(0))).double(), point_spec())
    authors = dict(g_width=400, g_depth=4, d_width=200, d_depth=3, maxout_pieces=5, batch_size=100, packing=2)
    group = group_settings([0, 1], **authors, steps=100, checkpoint_every=10**6, updates="simultaneous")
    train_gan_group(group, data64, *paths_for(tmp_path / "group", [0, 1]), progress=False)
    for settings in group:
        single = tmp_path / "single" / f"seed{settings.seed}"
        train_gan(settings, data64, single / "checkpoint.pt", single / "losses.csv", progress=False)
        grouped = load_checkpoint(tmp_path / "group" / f"seed{settings.seed}" / "checkpoint.pt")
        alone = load_checkpoint(single / "checkpoint.pt")
        for part in ("generator", "discriminator", "opt_g", "opt_d"):
            assert grouped[part].keys() == alone[part].keys()
        for part in ("generator", "discriminator"):
            for key, value in alone[part].items():
                assert value.dtype == grouped[part][key].dtype
                if value.is_floating_point():
                    assert value.dtype == torch.float64
                    torch.testing.assert_close(grouped[part][key], value, rtol=0, atol=1e-6, msg=f"{part}.{key}")
                else:
                    assert torch.equal(grouped[part][key], value), f"{part}.{key}"


def test_only_a_family_with_a_batched_trainer_for_the_data_kind_is_batched_and_others_refuse_the_group(tmp_path):
    from genlib.experiment import seed_batching
    from genlib.families.registry import family

    config = {
        "experiment": "e",
        "datasets": ["ring8", "mnist"],
        "models": ["gan-nonsaturating", "ddpm"],
        "seeds": [0, 1],
        "batch_seeds": True,
    }
    # the GAN family batches 2-D seeds only; the diffusion family has no batched trainer: not asked at all
    assert seed_batching(config) == {("ring8", "gan-nonsaturating"): None}
    assert seed_batching({**config, "batch_seeds": False}) == {}
    with pytest.raises(ValueError, match="the diffusion family has no batched trainer; train its runs one per job"):
        family("diffusion").train_group([], None, [], [])
