"""Config validation: every bad input fails before any job, naming the key and the allowed values."""

import copy
import dataclasses
from pathlib import Path

import jsonschema
import pytest
import yaml

from genlib.config.settings import EvaluationSettings, SettingsError, from_dict
from genlib.experiment import ConfigError, RunKey, load_config, run_matrix, run_settings, validate_config
from genlib.experiment.schema import config_schema
from genlib.families.discovery import FAMILY_SETTINGS, family_presets, tunable_run_fields
from genlib.families.gan.settings import GANSettings

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


@pytest.fixture
def config() -> dict:
    return load_config(ROOT / "config" / "config.yaml")


def problems_of(config: dict) -> str:
    with pytest.raises(ConfigError) as error:
        validate_config(config, SCHEMA)
    return str(error.value)


def test_default_config_is_valid_and_has_the_full_matrix(config):
    validate_config(config, SCHEMA)
    runs = run_matrix(config)
    assert len(runs) == 7 * 2 * 3
    gan_objectives = {m for m, v in family_presets().items() if "network" not in v and v["family"] == "gan"}
    assert {r.model for r in runs} == gan_objectives | {"ddpm"}


def test_misspelt_top_level_key_is_named_with_the_allowed_keys(config):
    config["seedz"] = config.pop("seeds")
    message = problems_of(config)
    assert "seedz: unknown key; allowed keys:" in message and "seeds" in message


def test_misspelt_training_key_is_named_with_the_allowed_keys(config):
    config["training"]["stepz"] = 10
    message = problems_of(config)
    assert "training.stepz: unknown key; allowed keys:" in message and "steps" in message


def test_unknown_model_lists_the_known_models(config):
    config["models"].append("wgna")
    message = problems_of(config)
    assert "unknown model 'wgna'; allowed values:" in message and "wgan-gp" in message


def test_unknown_dataset_lists_the_known_datasets(config):
    config["datasets"] = ["ring9"]
    config["data"] = {}
    message = problems_of(config)
    assert "unknown dataset 'ring9'; allowed values: ring8, grid25, mnist, fashion-mnist, cifar10" in message
    assert "data.ring9.source: image-folder" in message


def test_wrong_type_names_the_key_and_the_expected_type(config):
    config["training"]["batch_size"] = "big"
    assert "training.batch_size: expected an integer, got 'big'" in problems_of(config)


def test_negative_step_count_is_rejected(config):
    config["training"]["steps"] = -5
    assert "training.steps: -5 is out of range (minimum 1)" in problems_of(config)


def test_bad_value_in_a_model_override_is_named(config):
    config["model_overrides"] = {"wgan": {"optimizer": "sgd"}}
    assert "model_overrides.wgan.optimizer: 'sgd' is not allowed; allowed values: adam, rmsprop" in problems_of(config)


def test_override_of_a_model_not_in_the_config_is_rejected(config):
    config["model_overrides"] = {"vae": {"steps": 3}}
    assert "model_overrides.vae: not a model of this config" in problems_of(config)


def test_custom_model_needs_an_objective_and_then_runs(config):
    config["custom_models"] = {"my-gan": {"n_critic": 2}}
    config["models"].append("my-gan")
    assert "'objective' is a required property" in problems_of(config)
    config["custom_models"]["my-gan"]["objective"] = "hinge"
    validate_config(config, SCHEMA)
    settings = run_settings(config, RunKey("ring8", "my-gan", 0))
    assert settings.objective == "hinge" and settings.n_critic == 2


def test_precedence_is_catalogue_then_training_then_model_overrides(config):
    config["training"]["lr_g"] = 1e-3
    config["model_overrides"] = {"wgan": {"lr_g": 7e-5}}
    assert run_settings(config, RunKey("ring8", "wgan", 0)).lr_g == 7e-5
    assert run_settings(config, RunKey("ring8", "lsgan", 0)).lr_g == 1e-3
    wgan_gp = run_settings(config, RunKey("ring8", "wgan-gp", 1))
    assert (wgan_gp.beta1, wgan_gp.n_critic, wgan_gp.gradient_penalty) == (0.0, 5, 10.0)
    assert wgan_gp.steps == config["training"]["steps"] and wgan_gp.seed == 1


def test_a_reproduced_method_with_no_published_row_is_refused_naming_the_methods_there(config, monkeypatch):
    monkeypatch.chdir(ROOT)  # published CSV paths are relative to the working directory, as in a workflow
    config["reproduces"] = {"wgan": "NoSuchMethod"}
    message = problems_of(config)
    assert "reproduces.wgan: no published row of method 'NoSuchMethod' for the datasets ring8, grid25" in message
    assert "in config/published/toy2d.csv; methods with rows there: ALI, GAN, PacGAN2, PacGAN3, PacGAN4" in message
    config["reproduces"] = {"wgan": "GAN"}
    validate_config(config, SCHEMA)


def test_a_published_file_that_does_not_exist_is_named(config, monkeypatch):
    monkeypatch.chdir(ROOT)
    config["published"] = ["config/published/toy2d.csv", "config/published/nosuch.csv"]
    assert "published: config/published/nosuch.csv: no such file" in problems_of(config)


def test_duplicate_seeds_are_rejected(config):
    config["seeds"] = [0, 1, 1]
    assert "seeds: listed twice: 1" in problems_of(config)


def test_every_problem_is_reported_at_once(config):
    config["training"]["steps"] = 0
    config["seeds"] = [-1]
    message = problems_of(config)
    assert "training.steps" in message and "seeds[0]" in message


def test_schema_run_fields_are_every_family_settings_field():
    schema = config_schema(SCHEMA)
    # `family` names the model family (gan when absent); every other key is a settings field.
    assert set(schema["$defs"]["runFields"]["properties"]) == set(tunable_run_fields()) | {"family"}
    assert schema["$defs"]["runFields"]["properties"]["family"] == {
        "enum": ["diffusion", "gan", "progressive", "translation"]  # the family folders, by name
    }


def test_schema_evaluation_fields_are_the_settings_dataclass_fields():
    schema = config_schema(SCHEMA)
    assert set(schema["properties"]["evaluation"]["properties"]) == {
        f.name for f in dataclasses.fields(EvaluationSettings)
    }


def _probe_values(field_schema: dict) -> list:
    """Values at and just beyond each end of a field's range, one of another type, and null."""
    values = [None, "text", True]
    for key in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        if key in field_schema:
            edge = field_schema[key]
            step = 1 if "integer" in str(field_schema.get("type")) else 1e-3
            values += [edge - step, edge, edge + step]
    values += list(field_schema.get("enum", [])) + ["not-a-choice"]
    return values


def _settings_accept(cls, base: dict, name: str, value) -> bool:
    try:
        from_dict(cls, {**base, name: value})
    except SettingsError:
        return False
    return True


def _schema_accepts(validator, section: str, name: str, value) -> bool:
    return not list(
        validator.iter_errors(
            {"experiment": "x", "datasets": ["mnist"], "models": ["dcgan"], "seeds": [0], section: {name: value}}
        )
    )


@pytest.mark.parametrize("family", ["gan", "diffusion", "progressive"])
def test_schema_and_settings_agree_on_every_value_of_every_run_field(family):
    """The schema made from the dataclasses rejects exactly what the dataclasses reject, field by field."""
    validator = jsonschema.Draft202012Validator(config_schema(SCHEMA))
    cls = FAMILY_SETTINGS[family]
    base = {
        "dataset": "mnist",
        "model": "m",
        "seed": 0,
        "family": family,
        **{"gan": {"objective": "hinge", "network": "dcgan"}, "diffusion": {"sampler_steps": None}}.get(family, {}),
    }
    properties = config_schema(SCHEMA)["$defs"]["runFields"]["properties"]
    for field in dataclasses.fields(cls):
        if field.name in ("dataset", "model", "seed", "family"):
            continue
        for value in _probe_values(properties[field.name]):
            if field.name == "sampler_steps" and isinstance(value, int) and value > 1000:
                continue  # S <= T is a cross-field rule: checked by the settings, with both keys named
            if field.name == "network" and value == "pacgan":
                continue  # for 2-D data only (the base is mnist): a cross-field rule, tested in test_packing.py
            if field.name == "timesteps" and isinstance(value, int) and not isinstance(value, bool) and 0 < value < 21:
                continue  # too few for the linear schedule: a cross-field rule, tested in test_diffusion.py
            if field.name in ("diffusion_t_min", "diffusion_t_max") and _crosses_default_t_range(field.name, value):
                continue  # t_min < t_max is a cross-field rule: checked by the settings, tested below
            if field.name == "per_slot_generation" and value is True:
                continue  # needs packing > 1: a cross-field rule, tested in test_stacked_mnist.py
            if family == "progressive" and field.name == "images" and isinstance(value, int) and value > 0:
                continue  # at least the growth's images: a cross-field rule, tested in test_progressive.py
            settings = _settings_accept(cls, base, field.name, value)
            assert _schema_accepts(validator, "training", field.name, value) == settings, (field.name, value)


def _crosses_default_t_range(name: str, value) -> bool:
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    return value <= 10 if name == "diffusion_t_max" else value >= 1000


def test_schema_and_settings_agree_on_every_value_of_every_evaluation_field():
    validator = jsonschema.Draft202012Validator(config_schema(SCHEMA))
    properties = config_schema(SCHEMA)["properties"]["evaluation"]["properties"]
    for field in dataclasses.fields(EvaluationSettings):
        for value in _probe_values(properties[field.name]):
            if field.name == "grid_size" and isinstance(value, int) and value > 1:
                continue  # a square number: a rule of the settings beyond the range
            settings = _settings_accept(EvaluationSettings, {}, field.name, value)
            assert _schema_accepts(validator, "evaluation", field.name, value) == settings, (field.name, value)


def test_monitor_samples_below_two_is_refused_by_schema_and_settings_alike(config):
    config["training"]["monitor_samples"] = 1
    assert "training.monitor_samples: 1 is out of range (minimum 2)" in problems_of(config)
    with pytest.raises(SettingsError, match="monitor_samples must be >= 2, got 1"):
        from_dict(
            GANSettings, {"dataset": "ring8", "model": "m", "seed": 0, "objective": "hinge", "monitor_samples": 1}
        )


@pytest.mark.parametrize("model", sorted(m for m, v in family_presets().items() if v["family"] == "gan"))
def test_catalogue_variants_are_valid_settings(model):
    dataset = "mnist" if "network" in family_presets()[model] else "ring8"
    settings = from_dict(GANSettings, {**family_presets()[model], "dataset": dataset, "model": model, "seed": 0})
    assert settings.model == model
    assert settings.latent_dim == (100 if dataset == "mnist" else 2)


@pytest.mark.parametrize("model", sorted(m for m, v in family_presets().items() if v.get("family") == "diffusion"))
def test_diffusion_variants_are_valid_settings_and_take_shared_training_keys(model):
    config = {
        "experiment": "d",
        "datasets": ["mnist"],
        "models": [model],
        "seeds": [0],
        "training": {"steps": 7, "g_width": 64},
        "data": {"mnist": {"mirror": "/x", "split": "test", "holdout": 10}},
    }
    validate_config(config, SCHEMA)
    settings = run_settings(config, RunKey("mnist", model, 0))
    assert settings.steps == 7 and settings.family == "diffusion"  # g_width is a GAN key: not applied


def test_diffusion_sampler_steps_beyond_timesteps_fail_before_any_job():
    config = {
        "experiment": "d",
        "datasets": ["ring8"],
        "models": ["ddpm"],
        "seeds": [0],
        "model_overrides": {"ddpm": {"timesteps": 100, "sampler_steps": 500}},
    }
    assert "sampler_steps 500 is outside 1 to timesteps 100; allowed values: 1 to 100, or null for all" in problems_of(
        config
    )


def test_unknown_spacing_names_the_allowed_values():
    config = {
        "experiment": "d",
        "datasets": ["ring8"],
        "models": ["ddpm"],
        "seeds": [0],
        "model_overrides": {"ddpm": {"spacing": "cubic"}},
    }
    assert "model_overrides.ddpm.spacing: 'cubic' is not allowed; allowed values: uniform, quadratic" in problems_of(
        config
    )


def test_settings_error_names_the_key_and_allowed_keys():
    with pytest.raises(SettingsError, match=r"x: unknown key 'lr'; allowed keys: dataset, model, seed, objective"):
        from_dict(GANSettings, {"dataset": "ring8", "model": "m", "seed": 0, "objective": "hinge", "lr": 1}, where="x")
    with pytest.raises(SettingsError, match="ema_decay must lie in"):
        from_dict(GANSettings, {"dataset": "ring8", "model": "m", "seed": 0, "objective": "hinge", "ema_decay": 1.5})


def test_config_with_a_non_mapping_top_level_is_rejected(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(["ring8"]))
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_config(path)


def test_validation_does_not_modify_the_config(config):
    before = copy.deepcopy(config)
    validate_config(config, SCHEMA)
    assert config == before


def image_config(**run_overrides) -> dict:
    return {
        "experiment": "img",
        "datasets": ["mnist"],
        "models": ["dcgan", "cgan"],
        "seeds": [0],
        "data": {"mnist": {"mirror": "/nowhere", "split": "test", "holdout": 100}},
        "training": {"steps": 10, **run_overrides},
    }


def test_image_config_is_valid():
    validate_config(image_config(), SCHEMA)


def test_a_progressive_gan_whose_last_resolution_the_dataset_lacks_is_refused_before_any_job():
    config = image_config()
    config["models"] = ["pgan"]
    config["custom_models"] = {"pgan": {"family": "progressive", "resolutions": [4, 8, 16, 32]}}
    assert "model pgan on mnist: resolutions end at 32 px, but mnist has 28 x 28 images" in problems_of(config)
    config["data"]["mnist"]["image_size"] = 32
    validate_config(config, SCHEMA)
    config["custom_models"]["pgan"]["resolutions"] = [4, 8, 12, 32]
    assert "resolutions [4, 8, 12, 32] must start at a power of two and double" in problems_of(config)
    config["custom_models"]["pgan"] = {"family": "progressive", "fade_images": 0}
    assert "custom_models.pgan.fade_images: 0 is out of range (minimum 1)" in problems_of(config)


def test_latent_arithmetic_of_a_model_without_a_latent_or_told_its_class_is_refused_naming_the_key():
    config = image_config()
    config["models"] = ["dcgan", "cgan", "ddpm"]
    config["latent_arithmetic"] = ["dcgan", "ddpm", "cgan", "wgan"]
    message = problems_of(config)
    assert "latent_arithmetic: model ddpm (family diffusion) has no latent vector to add and subtract" in message
    assert "latent_arithmetic: model cgan is conditional (conditioning concat)" in message
    assert "latent_arithmetic: 'wgan' is not a model of this config" in message
    config["latent_arithmetic"] = ["dcgan"]
    validate_config(config, SCHEMA)


def test_misspelt_dataset_key_names_the_dataset_and_allowed_keys():
    config = image_config()
    config["data"]["mnist"]["mirorr"] = "/x"
    message = problems_of(config)
    assert "data.mnist: unknown key 'mirorr'; allowed keys:" in message and "mirror" in message


def test_image_size_a_dcgan_cannot_take_fails_before_training():
    config = image_config()
    config["data"]["mnist"]["image_size"] = 48
    assert "image_size 48 is not allowed; allowed values: 28, 32, 64, 128, 256" in problems_of(config)
    config["data"]["mnist"]["image_size"] = 128
    assert "network dcgan is built for square 28, 32 or 64 px images; mnist has 128 x 128" in problems_of(config)


def test_conditional_model_on_an_unlabelled_folder_is_rejected():
    config = image_config()
    config["datasets"] = ["faces"]
    config["data"] = {"faces": {"source": "image-folder", "folder": "/x", "image_size": 32, "holdout": 10}}
    assert "model cgan on faces: conditioning 'concat' needs class labels, but faces has none" in problems_of(config)


def test_dcgan_on_2d_points_is_rejected_naming_the_model():
    config = image_config()
    config["datasets"] = ["ring8"]
    config["data"] = {}
    assert "network must be mlp" in problems_of(config)


def test_batch_norm_in_a_gradient_penalised_critic_is_rejected():
    config = image_config()
    config["models"] = ["dcgan-wgan-gp"]
    config["model_overrides"] = {"dcgan-wgan-gp": {"d_batch_norm": True}}
    assert "a gradient-penalised critic must not use batch norm" in problems_of(config)


SWEEP_CONFIG = {
    "experiment": "s",
    "datasets": ["mnist"],
    "models": ["ddpm", "dcgan"],
    "seeds": [0, 1],
    "data": {"mnist": {"mirror": "/x", "split": "test", "holdout": 10}},
    "sampler_sweep": {
        "steps": [10, 1000],
        "samplers": [{"sampler": "ddim", "eta": 1.0}, {"sampler": "ddpm"}],
        "spacing": "quadratic",
    },
}


def test_sampler_sweep_expands_to_samplers_times_steps_on_the_diffusion_runs():
    from genlib.experiment import sampler_sweep, sweep_runs

    config = copy.deepcopy(SWEEP_CONFIG)
    validate_config(config, SCHEMA)
    assert [p.tag for p in sampler_sweep(config)] == [
        "ddim-eta1-quadratic-S10",
        "ddim-eta1-quadratic-S1000",
        "ddpm-quadratic-S10",
        "ddpm-quadratic-S1000",
    ]
    assert sweep_runs(config) == [RunKey("mnist", "ddpm", 0), RunKey("mnist", "ddpm", 1)]


def test_sampler_sweep_beyond_a_models_timesteps_is_rejected_naming_the_model():
    config = copy.deepcopy(SWEEP_CONFIG)
    config["model_overrides"] = {"ddpm": {"timesteps": 100}}
    assert "sampler_sweep: model ddpm: sampler_steps 1000 is outside 1 to timesteps 100" in problems_of(config)


def test_sampler_sweep_rejects_eta_for_ddpm_and_a_config_without_diffusion_model():
    config = copy.deepcopy(SWEEP_CONFIG)
    config["sampler_sweep"]["samplers"][1]["eta"] = 0.5
    assert "sampler_sweep.samplers[1]: eta applies to ddim only" in problems_of(config)
    config = copy.deepcopy(SWEEP_CONFIG)
    config["models"] = ["dcgan"]
    assert "sampler_sweep: this config has no diffusion model on an image dataset to sweep" in problems_of(config)


def test_custom_diffusion_model_needs_no_objective():
    config = copy.deepcopy(SWEEP_CONFIG)
    config["custom_models"] = {"my-ddpm": {"family": "diffusion", "schedule": "cosine", "sampler_steps": 20}}
    config["models"] = ["my-ddpm"]
    validate_config(config, SCHEMA)
    settings = run_settings(config, RunKey("mnist", "my-ddpm", 0))
    assert settings.family == "diffusion" and settings.schedule == "cosine" and settings.sampler_steps == 20


# --- reading config files -----------------------------------------------------------------------


def test_a_key_given_twice_is_refused_naming_file_line_and_the_first_one(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("experiment: x\ndatasets: [ring8]\nmodels: [wgan]\nseeds: [0]\nmodels: [lsgan]\n")
    with pytest.raises(
        ConfigError, match=r"exp.yaml:5:1: key 'models' appears twice in one mapping \(first at line 3\)"
    ):
        load_config(path)


def test_a_key_given_twice_deep_inside_is_refused_too(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("experiment: x\nmodel_overrides:\n  wgan:\n    lr_d: 1.0\n    lr_d: 2.0\n")
    with pytest.raises(ConfigError, match=r"exp.yaml:5:5: key 'lr_d' appears twice"):
        load_config(path)


def test_a_yaml_syntax_error_names_file_line_and_column(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("experiment: x\ndatasets: [ring8\nmodels: [wgan]\n")
    with pytest.raises(ConfigError, match=r"exp.yaml:3:7: expected ',' or '\]'"):
        load_config(path)


def test_a_missing_config_file_is_one_clear_line(tmp_path):
    with pytest.raises(
        ConfigError, match=r"^config file .*nothere.yaml does not exist; give the path of a YAML config"
    ):
        load_config(tmp_path / "nothere.yaml")


def test_an_unknown_dataset_with_a_data_section_is_named_as_unknown(config):
    config["datasets"] = ["ring8", "mnsit"]
    config["data"] = {"mnsit": {"n_test": 100}}
    message = problems_of(config)
    assert "datasets: unknown dataset 'mnsit'; allowed values: ring8, grid25, mnist, fashion-mnist, cifar10" in message
    assert "unknown key" not in message


def test_a_custom_model_may_not_take_a_catalogue_name(config):
    config["custom_models"] = {"wgan": {"objective": "hinge", "n_critic": 2}}
    assert "custom_models.wgan: the gan family already has a preset of this name" in problems_of(config)


def stacked_config(tmp_path, **data) -> dict:
    return {
        "experiment": "stacked",
        "datasets": ["stacked-mnist"],
        "models": ["dcgan"],
        "seeds": [0],
        "data": {"stacked-mnist": {"split": "test", "holdout": 100, "resources": str(tmp_path / "resources"), **data}},
        "training": {"steps": 10},
    }


def test_a_stacked_dataset_with_no_mnist_source_is_refused_naming_the_keys_to_set(tmp_path):
    message = problems_of(stacked_config(tmp_path, download=False))
    assert "data.stacked-mnist: stacked MNIST needs an MNIST source, and there is none" in message
    assert (
        "set data.stacked-mnist.mirror to a folder holding the MNIST files, or set data.stacked-mnist.download: true"
        in message
    )
    message = problems_of(stacked_config(tmp_path, mirror=str(tmp_path / "missing")))
    assert f"data.stacked-mnist.mirror: {tmp_path / 'missing'} is not a folder" in message
    validate_config(stacked_config(tmp_path, mirror=str(tmp_path)), SCHEMA)
    validate_config(stacked_config(tmp_path), SCHEMA)  # downloads are a source


@pytest.mark.parametrize(
    ("run", "named"),
    [
        (
            {"diffusion_gan": True, "diffusion_target": 1.0},
            "training.diffusion_target: 1.0 is out of range (exclusiveMaximum 1.0)",
        ),
        (
            {"diffusion_gan": True, "diffusion_target": 0.0},
            "training.diffusion_target: 0.0 is out of range (exclusiveMinimum 0.0)",
        ),
        (
            {"diffusion_gan": True, "diffusion_t_min": 50, "diffusion_t_max": 50},
            "diffusion_t_min 50 must be below diffusion_t_max 50",
        ),
        ({"packing": 3, "batch_size": 64}, "packing 3 does not divide batch_size 64"),
    ],
)
def test_bad_diffusion_gan_and_packing_settings_are_refused_before_any_job_naming_the_key(run, named):
    assert named in problems_of(image_config(**run))


def test_a_reproduced_method_under_a_setting_must_have_a_row_of_that_setting(monkeypatch):
    monkeypatch.chdir(ROOT)
    config = load_config(ROOT / "config" / "experiments" / "stacked-mnist-small-d-cpu.yaml")
    config["data"]["stacked-mnist"]["mirror"] = str(ROOT)  # any folder: the source check is not under test here
    validate_config(config, SCHEMA)
    config["reproduces"]["dcgan-half-d"] = {"method": "PacDCGAN2", "setting": "D = 1/8 G"}
    message = problems_of(config)
    assert "reproduces.dcgan-half-d: no published row of method 'PacDCGAN2 @ D = 1/8 G'" in message
    assert "PacDCGAN2 @ D = 1/2 G, PacDCGAN2 @ D = 1/4 G" in message
