"""Training: determinism, exact resume after an interruption, checkpoint contents, divergence."""

import csv
import dataclasses
import os

import numpy as np
import pytest
import torch

from genlib.config.catalogue import point_spec
from genlib.data.mixtures import ring8
from genlib.families.discovery import family_presets
from genlib.families.gan.family import train_gan
from genlib.families.gan.settings import GANSettings
from genlib.families.interface import TrainingData
from genlib.gan import objectives
from genlib.io.checkpoint import load_checkpoint
from genlib.training.resumable import resume_dir_for


def tiny_settings(model: str = "wgan-gp", **overrides) -> GANSettings:
    values = dict(
        family_presets()[model],
        dataset="ring8",
        model=model,
        seed=3,
        latent_dim=2,
        g_width=16,
        g_depth=2,
        d_width=16,
        d_depth=2,
        steps=12,
        batch_size=32,
        checkpoint_every=4,
        log_every=1,
    )
    values.update(overrides)
    return GANSettings(**values)


@pytest.fixture(scope="module")
def data() -> TrainingData:
    return TrainingData(torch.from_numpy(ring8().sample(512, np.random.default_rng(0))), point_spec())


def read_losses(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


class Interrupt(Exception):
    pass


def interrupt_at(step_to_stop: int):
    def on_step(step: int) -> None:
        if step == step_to_stop:
            raise Interrupt

    return on_step


def assert_same_parameters(a: dict, b: dict) -> None:
    for name in ("generator", "discriminator", "opt_g", "opt_d"):
        flat_a, flat_b = _tensors(a[name]), _tensors(b[name])
        assert flat_a.keys() == flat_b.keys()
        for key in flat_a:
            assert torch.equal(flat_a[key], flat_b[key]), f"{name}.{key} differs"


def _tensors(tree, prefix=""):
    out = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            out.update(_tensors(value, f"{prefix}{key}."))
    elif isinstance(tree, (list, tuple)):
        for i, value in enumerate(tree):
            out.update(_tensors(value, f"{prefix}{i}."))
    elif isinstance(tree, torch.Tensor):
        out[prefix] = tree
    return out


@pytest.mark.parametrize("model", ["wgan-gp", "hinge-sn", "gan-nonsaturating"])
def test_interrupted_and_resumed_run_equals_straight_run(tmp_path, data, model):
    settings = tiny_settings(model, ema_decay=0.9)
    straight = tmp_path / "straight" / "checkpoint.pt"
    train_gan(settings, data, straight, tmp_path / "straight" / "losses.csv", progress=False)

    resumed = tmp_path / "resumed" / "checkpoint.pt"
    with pytest.raises(Interrupt):
        train_gan(settings, data, resumed, tmp_path / "resumed" / "losses.csv", on_step=interrupt_at(6), progress=False)
    assert not resumed.exists(), "an interrupted run must not leave a final checkpoint"
    assert load_checkpoint(resume_dir_for(resumed) / "state.pt")["step"] == 4
    result = train_gan(settings, data, resumed, tmp_path / "resumed" / "losses.csv", progress=False)

    assert result.resumed_from == 4 and result.step == 12 and result.status == "completed"
    a, b = load_checkpoint(straight), load_checkpoint(resumed)
    assert_same_parameters(a, b)
    for key in a["ema"]:
        assert torch.equal(a["ema"][key], b["ema"][key])
    assert read_losses(tmp_path / "straight" / "losses.csv") == read_losses(tmp_path / "resumed" / "losses.csv")
    resume = resume_dir_for(resumed)
    assert not (resume / "state.pt").exists(), "in-progress snapshots are removed once the run is complete"
    assert os.path.samefile(resume / "final.pt", resumed), "the final state stays, as the checkpoint's hard link"
    # Not only the same tensors: the same bytes, so the SHA-256 that provenance records is the same too.
    assert straight.read_bytes() == resumed.read_bytes()


def test_same_seed_gives_identical_runs_and_another_seed_does_not(tmp_path, data):
    paths = {}
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        paths[name] = tmp_path / name / "checkpoint.pt"
        train_gan(tiny_settings(seed=seed), data, paths[name], tmp_path / name / "losses.csv", progress=False)
    a, b, c = (load_checkpoint(paths[k]) for k in "abc")
    assert_same_parameters(a, b)
    assert not torch.equal(a["generator"]["net.0.weight"], c["generator"]["net.0.weight"])


def test_checkpoint_holds_networks_optimisers_step_rng_and_settings(tmp_path, data):
    settings = tiny_settings()
    train_gan(settings, data, tmp_path / "c.pt", tmp_path / "losses.csv", progress=False)
    checkpoint = load_checkpoint(tmp_path / "c.pt")
    assert {"generator", "discriminator", "opt_g", "opt_d", "rng", "torch_rng", "settings", "step", "status"} <= set(
        checkpoint
    )
    assert checkpoint["step"] == 12 and checkpoint["status"] == "completed"
    assert checkpoint["settings"]["model"] == "wgan-gp" and checkpoint["settings"]["gradient_penalty"] == 10.0
    rows = read_losses(tmp_path / "losses.csv")
    assert [int(r["step"]) for r in rows] == list(range(1, 13))
    assert all(float(r["penalty"]) > 0 for r in rows)


def test_weight_clipping_bounds_every_critic_weight(tmp_path, data):
    train_gan(tiny_settings("wgan", weight_clip=0.01), data, tmp_path / "c.pt", tmp_path / "l.csv", progress=False)
    for name, tensor in load_checkpoint(tmp_path / "c.pt")["discriminator"].items():
        assert tensor.abs().max() <= 0.01 + 1e-7, name


def test_resume_state_from_other_settings_is_discarded(tmp_path, data):
    checkpoint = tmp_path / "checkpoint.pt"
    with pytest.raises(Interrupt):
        train_gan(tiny_settings(), data, checkpoint, tmp_path / "l.csv", on_step=interrupt_at(5), progress=False)
    result = train_gan(tiny_settings(lr_g=3e-4), data, checkpoint, tmp_path / "l.csv", progress=False)
    assert result.resumed_from == 0 and result.step == 12


def test_a_resume_state_trained_on_other_data_is_discarded_and_the_checkpoint_names_its_data(tmp_path, data):
    checkpoint = tmp_path / "checkpoint.pt"
    old = dataclasses.replace(data, sha256="a" * 64)
    with pytest.raises(Interrupt):
        train_gan(tiny_settings(), old, checkpoint, tmp_path / "l.csv", on_step=interrupt_at(5), progress=False)
    new = dataclasses.replace(data, sha256="b" * 64)
    result = train_gan(tiny_settings(), new, checkpoint, tmp_path / "l.csv", progress=False)
    assert result.resumed_from == 0 and result.step == 12
    assert load_checkpoint(checkpoint)["data_sha256"] == "b" * 64


def test_non_finite_loss_marks_the_run_diverged_instead_of_crashing(tmp_path, data, monkeypatch):
    calls = {"n": 0}

    def exploding_generator_loss(fake):
        calls["n"] += 1
        loss = objectives.nonsaturating_generator_loss(fake)
        return loss * float("nan") if calls["n"] >= 7 else loss

    pair = objectives.ObjectivePair(objectives.minimax_discriminator_loss, exploding_generator_loss)
    monkeypatch.setitem(objectives.OBJECTIVES, "nonsaturating", pair)
    result = train_gan(tiny_settings("gan-nonsaturating"), data, tmp_path / "c.pt", tmp_path / "l.csv", progress=False)
    assert result.status == "diverged" and result.step == 7
    checkpoint = load_checkpoint(tmp_path / "c.pt")
    assert checkpoint["status"] == "diverged" and checkpoint["diverged_at_step"] == 7
    assert read_losses(tmp_path / "l.csv")[-1]["g_loss"] == "nan"


def test_resume_state_carries_every_gpu_generator_and_restores_it(tmp_path, monkeypatch):
    """CUDA generators (dropout on a GPU) are saved and restored with the rest; faked here, as no GPU is present."""
    from genlib.training.resumable import ResumableRun

    saved_states = [torch.tensor([1, 2, 3], dtype=torch.uint8), torch.tensor([4, 5], dtype=torch.uint8)]
    restored = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_rng_state_all", lambda: saved_states)
    monkeypatch.setattr(torch.cuda, "set_rng_state_all", restored.extend)
    run = ResumableRun(tmp_path / "checkpoint.pt", tmp_path / "losses.csv", fmt="f", settings={}, columns=("step",))
    assert run.restore() is None  # a fresh run: nothing to resume
    rng = torch.Generator().manual_seed(0)
    state = {"format": "f", "settings": {}, "step": 5, **run.snapshot({}, rng)}
    assert state["cuda_rng"] is saved_states
    run.save(state)
    assert (
        ResumableRun(
            tmp_path / "checkpoint.pt", tmp_path / "losses.csv", fmt="f", settings={}, columns=("step",)
        ).resume({}, rng)
        == 5
    )
    assert [t.tolist() for t in restored] == [[1, 2, 3], [4, 5]]


def test_two_identical_runs_write_byte_identical_checkpoints(tmp_path, data):
    """Same settings, same data: same checkpoint bytes and SHA-256 (DVC de-duplicates them; provenance compares them)."""
    import hashlib

    digests = set()
    for folder in ("first", "second"):
        train_gan(
            tiny_settings(), data, tmp_path / folder / "checkpoint.pt", tmp_path / folder / "losses.csv", progress=False
        )
        digests.add(hashlib.sha256((tmp_path / folder / "checkpoint.pt").read_bytes()).hexdigest())
    assert len(digests) == 1


def test_equal_states_give_equal_checkpoint_bytes_whichever_equal_strings_they_share():
    """Pickle writes an object it has seen as a back-reference: a state read back from disk holds its own copy
    of each key where a running optimiser shares one string, and must still give the same bytes."""
    from genlib.io.checkpoint import checkpoint_bytes

    def new_step() -> str:
        return "".join(["st", "ep"])  # a new str object each call

    one = new_step()
    shared = {"state": {one: torch.tensor(1.0)}, "names": [one]}
    separate = {"state": {new_step(): torch.tensor(1.0)}, "names": [new_step()]}
    assert shared == separate and shared["names"][0] is not separate["names"][0]
    assert checkpoint_bytes(shared) == checkpoint_bytes(separate)


def test_a_module_state_dict_keeps_its_layer_versions_in_the_checkpoint(tmp_path):
    from genlib.io.checkpoint import save_checkpoint

    state = torch.nn.BatchNorm1d(3).state_dict()
    save_checkpoint(tmp_path / "c.pt", {"bn": state})
    loaded = load_checkpoint(tmp_path / "c.pt")["bn"]
    assert loaded._metadata == state._metadata and list(loaded) == list(state)


def straight_and_interrupted_at_10(tmp_path, data):
    """A run trained straight through, and the same run interrupted at step 10 (snapshots at steps 4 and 8)."""
    settings = tiny_settings("gan-nonsaturating")
    straight = tmp_path / "straight" / "checkpoint.pt"
    train_gan(settings, data, straight, tmp_path / "straight" / "losses.csv", progress=False)
    resumed = tmp_path / "resumed" / "checkpoint.pt"
    with pytest.raises(Interrupt):
        train_gan(
            settings, data, resumed, tmp_path / "resumed" / "losses.csv", on_step=interrupt_at(10), progress=False
        )
    return settings, straight, resumed


@pytest.mark.parametrize("damaged", [("state.pt",), ("state.pt", "state.previous.pt")])
def test_a_damaged_resume_state_is_moved_aside_and_the_run_resumes_from_the_snapshot_before(tmp_path, data, damaged):
    """Snapshots at steps 4 and 8; the last (or both) truncated: the run resumes from step 4 (or 0), never
    crashes, and ends with the parameters of an uninterrupted run."""
    settings, straight, resumed = straight_and_interrupted_at_10(tmp_path, data)
    resume_dir = resume_dir_for(resumed)
    assert load_checkpoint(resume_dir / "state.previous.pt")["step"] == 4
    for name in damaged:
        state = resume_dir / name
        state.write_bytes(state.read_bytes()[:1000])

    result = train_gan(settings, data, resumed, tmp_path / "resumed" / "losses.csv", progress=False)
    assert result.resumed_from == (4 if len(damaged) == 1 else 0) and result.status == "completed"
    assert_same_parameters(load_checkpoint(straight), load_checkpoint(resumed))
    assert read_losses(tmp_path / "straight" / "losses.csv") == read_losses(tmp_path / "resumed" / "losses.csv")


def test_a_half_written_loss_row_is_left_out_and_the_run_resumes(tmp_path, data):
    settings = tiny_settings("gan-nonsaturating")
    straight = tmp_path / "straight" / "checkpoint.pt"
    train_gan(settings, data, straight, tmp_path / "straight" / "losses.csv", progress=False)
    resumed = tmp_path / "resumed" / "checkpoint.pt"
    with pytest.raises(Interrupt):
        train_gan(settings, data, resumed, tmp_path / "resumed" / "losses.csv", on_step=interrupt_at(6), progress=False)
    with open(resume_dir_for(resumed) / "losses.csv", "a") as log:
        log.write("5,0.69")  # a row cut off by a kill, without its newline
    result = train_gan(settings, data, resumed, tmp_path / "resumed" / "losses.csv", progress=False)
    assert result.resumed_from == 4
    assert read_losses(tmp_path / "straight" / "losses.csv") == read_losses(tmp_path / "resumed" / "losses.csv")


def test_a_gan_whose_parameters_explode_is_recorded_diverged_at_that_step(tmp_path, data):
    """Adam at lr 1e4 moves every weight by about 1e4 per step: beyond a bound of 1e3 after the first step,
    with finite losses, so only the bound catches it."""
    settings = tiny_settings("gan-nonsaturating", lr_g=1e4, lr_d=1e4, divergence_bound=1e3)
    result = train_gan(settings, data, tmp_path / "c.pt", tmp_path / "l.csv", progress=False)
    checkpoint = load_checkpoint(tmp_path / "c.pt")
    assert result.status == "diverged" and checkpoint["diverged_at_step"] == result.step == 1
    assert checkpoint["diverged_because"].startswith("a parameter reached")
    assert "beyond +-1000 (divergence_bound)" in checkpoint["diverged_because"]


def test_without_a_bound_only_non_finite_values_mark_divergence(tmp_path, data):
    settings = tiny_settings("gan-nonsaturating", lr_g=1e4, lr_d=1e4, divergence_bound=None)
    assert train_gan(settings, data, tmp_path / "c.pt", tmp_path / "l.csv", progress=False).status == "completed"


def test_training_moves_every_weight_and_brings_samples_closer_to_the_data(tmp_path, data):
    """A GAN that learnt: every weight of G and D moved, and the Frechet distance of G's samples to held-out
    ring points falls to a fraction of the untrained generator's."""
    from genlib.data.mixtures import ring8
    from genlib.families.gan.networks import build_discriminator, build_generator
    from genlib.metrics.frechet import frechet_distance, gaussian_stats

    settings = tiny_settings("gan-nonsaturating", steps=400, g_width=32, d_width=32, checkpoint_every=1000)
    torch.manual_seed(settings.seed)
    initial_g, initial_d = build_generator(settings, data.spec), build_discriminator(settings, data.spec)
    train_gan(settings, data, tmp_path / "c.pt", tmp_path / "l.csv", progress=False)
    final = load_checkpoint(tmp_path / "c.pt")
    for part, network in (("generator", initial_g), ("discriminator", initial_d)):
        for name, tensor in network.state_dict().items():
            if name.endswith("weight"):
                assert not torch.equal(tensor, final[part][name]), f"{part}.{name} never changed"

    real = gaussian_stats(ring8().sample(2000, np.random.default_rng(1)))
    noise = torch.randn(2000, 2, generator=torch.Generator().manual_seed(0))

    def distance(generator) -> float:
        with torch.no_grad():
            return frechet_distance(gaussian_stats(generator.eval()(noise).double().numpy()), real)

    trained = build_generator(settings, data.spec)
    trained.load_state_dict(final["generator"])
    before, after = distance(initial_g), distance(trained)
    assert after < 0.3 * before, (before, after)


def test_the_monitor_runs_at_the_start_every_monitor_every_steps_and_at_the_end_once_each_across_a_resume(
    tmp_path, data
):
    """The monitored curve has one row at steps 0, 5, 10 and 12 (the end), in a straight run and in one
    interrupted at step 6 and resumed from its step-4 state: a resume neither repeats step 0 nor loses a row."""
    settings = tiny_settings("gan-nonsaturating", monitor_every=5)

    def monitor(model):
        return {"fid": float(sum(p.detach().double().sum() for p in model.generator.parameters()))}

    straight = train_gan(
        settings, data, tmp_path / "a" / "c.pt", tmp_path / "a" / "l.csv", monitor=monitor, progress=False
    )
    assert [row["step"] for row in straight.curve] == [0, 5, 10, 12]
    assert load_checkpoint(tmp_path / "a" / "c.pt")["curve"] == straight.curve
    with pytest.raises(Interrupt):
        train_gan(
            settings,
            data,
            tmp_path / "b" / "c.pt",
            tmp_path / "b" / "l.csv",
            monitor=monitor,
            on_step=interrupt_at(6),
            progress=False,
        )
    state = load_checkpoint(resume_dir_for(tmp_path / "b" / "c.pt") / "state.pt")
    assert state["status"] == "running" and state["step"] == 4 and [row["step"] for row in state["curve"]] == [0]
    resumed = train_gan(
        settings, data, tmp_path / "b" / "c.pt", tmp_path / "b" / "l.csv", monitor=monitor, progress=False
    )
    assert resumed.resumed_from == 4 and resumed.curve == straight.curve


def test_the_loss_log_keeps_every_log_every_th_row_and_the_row_of_a_diverged_step(tmp_path, data, monkeypatch):
    train_gan(tiny_settings(log_every=4), data, tmp_path / "c.pt", tmp_path / "l.csv", progress=False)
    assert [int(r["step"]) for r in read_losses(tmp_path / "l.csv")] == [4, 8, 12]

    calls = {"n": 0}

    def nan_at_step_7(fake):
        calls["n"] += 1
        loss = objectives.nonsaturating_generator_loss(fake)
        return loss * float("nan") if calls["n"] == 7 else loss

    pair = objectives.ObjectivePair(objectives.minimax_discriminator_loss, nan_at_step_7)
    monkeypatch.setitem(objectives.OBJECTIVES, "nonsaturating", pair)
    result = train_gan(
        tiny_settings("gan-nonsaturating", log_every=4), data, tmp_path / "d.pt", tmp_path / "d.csv", progress=False
    )
    assert result.status == "diverged" and result.step == 7
    assert [int(r["step"]) for r in read_losses(tmp_path / "d.csv")] == [4, 7]


def test_without_the_last_snapshot_the_run_resumes_from_the_one_before(tmp_path, data):
    settings, straight, resumed = straight_and_interrupted_at_10(tmp_path, data)
    (resume_dir_for(resumed) / "state.pt").unlink()  # killed between moving it aside and writing the next
    result = train_gan(settings, data, resumed, tmp_path / "resumed" / "losses.csv", progress=False)
    assert result.resumed_from == 4
    assert_same_parameters(load_checkpoint(straight), load_checkpoint(resumed))


def test_a_damaged_snapshot_is_kept_beside_under_its_name_and_the_warning_names_both(tmp_path, data, caplog):
    settings = tiny_settings("gan-nonsaturating")
    checkpoint = tmp_path / "checkpoint.pt"
    with pytest.raises(Interrupt):
        train_gan(settings, data, checkpoint, tmp_path / "losses.csv", on_step=interrupt_at(10), progress=False)
    state = resume_dir_for(checkpoint) / "state.pt"
    state.write_bytes(state.read_bytes()[:1000])
    with pytest.raises(Interrupt):  # stop before the run ends and removes resume/
        train_gan(settings, data, checkpoint, tmp_path / "losses.csv", on_step=interrupt_at(5), progress=False)
    aside = resume_dir_for(checkpoint) / "state.pt.damaged"
    assert aside.is_file() and len(aside.read_bytes()) == 1000
    assert f"checkpoint {state} cannot be read" in caplog.text and f"moved it to {aside}" in caplog.text


def test_the_final_checkpoint_records_the_device_and_the_result_its_curve(tmp_path, data):
    result = train_gan(tiny_settings(), data, tmp_path / "c.pt", tmp_path / "l.csv", progress=False)
    checkpoint = load_checkpoint(tmp_path / "c.pt")
    assert checkpoint["device"].startswith("cpu") and result.curve == checkpoint["curve"] == []
    assert "diverged_at_step" not in checkpoint


@pytest.mark.parametrize(("value", "diverged"), [(1000.0, False), (1000.5, True), (-1000.5, True)])
def test_a_loss_or_parameter_exactly_at_the_bound_is_not_divergence(value, diverged):
    from genlib.training.resumable import divergence

    assert (divergence({"loss": value}, (), 1000.0) is not None) == diverged
    layer = torch.nn.Linear(1, 1)
    with torch.no_grad():
        layer.weight.fill_(value)
        layer.bias.zero_()
    assert (divergence({"loss": 0.0}, (layer,), 1000.0) is not None) == diverged


def test_ema_samples_made_after_training_equal_those_made_from_the_reloaded_checkpoint(tmp_path, data):
    from genlib.families.gan.family import FAMILY

    settings = tiny_settings("gan-nonsaturating", ema_decay=0.9, monitor_every=12)
    noise = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    seen = {}

    def monitor(model):
        seen[len(seen)] = model.generator(noise).detach().clone()
        return {"fid": 0.0}

    train_gan(settings, data, tmp_path / "c.pt", tmp_path / "l.csv", monitor=monitor, progress=False)
    reloaded = FAMILY.sampling_model(load_checkpoint(tmp_path / "c.pt"))
    with torch.no_grad():
        assert torch.equal(seen[max(seen)], reloaded.generator(noise))


def test_the_ema_generator_gets_batch_norm_statistics_of_its_own_weights(tmp_path, data):
    """Standing statistics (Brock et al. 2019): the first batch norm's running mean and variance are the
    average over 16 batches of the batch mean and unbiased variance of the EMA weights' pre-activations,
    computed here by hand; the live generator's statistics (what EMA copied before) differ from them."""
    settings = tiny_settings("gan-nonsaturating", ema_decay=0.9)
    train_gan(settings, data, tmp_path / "c.pt", tmp_path / "l.csv", progress=False)
    checkpoint = load_checkpoint(tmp_path / "c.pt")
    ema, live = checkpoint["ema"], checkpoint["generator"]
    rng = torch.Generator().manual_seed(settings.seed * 1_000_003 + settings.steps)
    batches = [torch.randn(settings.batch_size, 2, generator=rng) for _ in range(16)]
    pre = [z @ ema["net.0.weight"].T + ema["net.0.bias"] for z in batches]
    expected_mean = torch.stack([h.mean(0) for h in pre]).mean(0)
    expected_var = torch.stack([h.var(0, unbiased=True) for h in pre]).mean(0)
    torch.testing.assert_close(ema["net.1.running_mean"], expected_mean)
    torch.testing.assert_close(ema["net.1.running_var"], expected_var)
    assert not torch.allclose(live["net.1.running_mean"], expected_mean, atol=1e-4)


def test_a_run_given_a_folder_whose_resume_state_is_another_runs_refuses_it_and_keeps_that_state(tmp_path, data):
    """Two runs with checkpoints in one folder would share its resume/ folder: the second must not take or
    delete the first's in-progress state."""
    first, second = tmp_path / "a.pt", tmp_path / "b.pt"
    with pytest.raises(Interrupt):
        train_gan(tiny_settings(seed=1), data, first, tmp_path / "a.csv", on_step=interrupt_at(5), progress=False)
    with pytest.raises(
        ValueError, match=r"holds the in-progress state of the run whose checkpoint is a\.pt, not b\.pt"
    ):
        train_gan(tiny_settings(seed=2), data, second, tmp_path / "b.csv", progress=False)
    assert load_checkpoint(resume_dir_for(first) / "state.pt")["step"] == 4 and not second.exists()
    assert train_gan(tiny_settings(seed=1), data, first, tmp_path / "a.csv", progress=False).resumed_from == 4


def test_a_resume_state_of_the_same_data_is_resumed(tmp_path, data):
    same = dataclasses.replace(data, sha256="a" * 64)
    with pytest.raises(Interrupt):
        train_gan(tiny_settings(), same, tmp_path / "c.pt", tmp_path / "l.csv", on_step=interrupt_at(5), progress=False)
    assert train_gan(tiny_settings(), same, tmp_path / "c.pt", tmp_path / "l.csv", progress=False).resumed_from == 4


def test_a_trainer_whose_snakemake_is_gone_saves_the_running_state_of_that_step_and_says_what_to_run(
    tmp_path, data, monkeypatch
):
    from genlib.training import resumable

    class GoneAtStep6:
        pid = 4242
        calls = 0

        def gone(self):
            GoneAtStep6.calls += 1
            return GoneAtStep6.calls == 6

    monkeypatch.setattr(resumable, "ParentWatch", GoneAtStep6)
    checkpoint = tmp_path / "c.pt"
    with pytest.raises(
        resumable.OrphanedRunError, match=r"\(PID 4242\).*resume state at step 6 .*snakemake again to resume$"
    ):
        train_gan(tiny_settings(), data, checkpoint, tmp_path / "l.csv", progress=False)
    state = load_checkpoint(resume_dir_for(checkpoint) / "state.pt")
    assert state["step"] == 6 and state["status"] == "running"
