"""Settings of datasets and runs: dataclasses with defaults, validated field by field.

Every field carries a comment; a bad value fails at once with an error that names the key and
the allowed values. Settings travel between pipeline stages as JSON files (`to_dict`/`from_dict`).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from genlib.config.catalogue import (
    FOLDER_IMAGE_SIZES,
    IMAGE_SIZES,
    MIXTURE_NAMES,
    NAMED_IMAGE_DATASETS,
    DataKind,
    DataSpec,
    data_kind,
)

MixtureName = Literal["ring8", "grid25"]
ImageSource = Literal["mnist", "fashion-mnist", "cifar10", "image-folder"]
Objective = Literal["minimax", "nonsaturating", "wasserstein", "least-squares", "hinge"]
Optimizer = Literal["adam", "rmsprop"]
Network = Literal["mlp", "dcgan", "pacgan"]
Conditioning = Literal["none", "concat", "projection"]

IMAGE_SOURCES: tuple[str, ...] = get_args(ImageSource)
OBJECTIVE_NAMES: tuple[str, ...] = get_args(Objective)
assert get_args(MixtureName) == MIXTURE_NAMES, "MixtureName must list the catalogue's mixtures"


class SettingsError(ValueError):
    """A setting has an unknown key, a wrong type or a value outside its allowed range."""


@dataclass(frozen=True)
class Bounds:
    """The allowed range of a numeric setting; the dataclass checks it and the config schema is made from it."""

    minimum: float | None = None
    exclusive_minimum: float | None = None
    maximum: float | None = None
    exclusive_maximum: float | None = None

    def admits(self, value: float) -> bool:
        return not (
            (self.minimum is not None and value < self.minimum)
            or (self.exclusive_minimum is not None and value <= self.exclusive_minimum)
            or (self.maximum is not None and value > self.maximum)
            or (self.exclusive_maximum is not None and value >= self.exclusive_maximum)
        )

    def describe(self) -> str:
        """The range in words: "lie in [0, 1)", ">= 1", "> 0"."""
        low = (
            f"[{self.minimum:g}"
            if self.minimum is not None
            else f"({self.exclusive_minimum:g}"
            if self.exclusive_minimum is not None
            else None
        )
        high = (
            f"{self.maximum:g}]"
            if self.maximum is not None
            else f"{self.exclusive_maximum:g})"
            if self.exclusive_maximum is not None
            else None
        )
        if low and high:
            return f"lie in {low}, {high}"
        if low:
            return f"be {'>=' if low[0] == '[' else '>'} {low[1:]}"
        return f"be {'<=' if high[-1] == ']' else '<'} {high[:-1]}"

    def schema(self) -> dict[str, float]:
        """The JSON-schema keywords of the range."""
        words = {
            "minimum": self.minimum,
            "exclusiveMinimum": self.exclusive_minimum,
            "maximum": self.maximum,
            "exclusiveMaximum": self.exclusive_maximum,
        }
        return {key: value for key, value in words.items() if value is not None}


def bounded(default: Any, **bounds: float) -> Any:
    """A settings field with a default and an allowed range (see Bounds); None stays allowed where the type allows it."""
    return dataclasses.field(default=default, metadata={"bounds": Bounds(**bounds)})


def check_bounds(settings: Any) -> None:
    """Raise SettingsError naming the first field of `settings` outside its declared range."""
    for field in dataclasses.fields(settings):
        bounds = field.metadata.get("bounds")
        value = getattr(settings, field.name)
        if bounds is not None and value is not None and not bounds.admits(value):
            raise SettingsError(f"{field.name} must {bounds.describe()}, got {value!r}")


@dataclass(frozen=True)
class MixtureSettings:
    """A 2-D Gaussian mixture of the mode-collapse benchmark (genlib.data.mixtures)."""

    name: MixtureName  # which mixture to draw
    n_train: int = bounded(100_000, minimum=1)  # training points (PacGAN protocol: 100k)
    n_test: int = bounded(10_000, minimum=1)  # held-out points, the reference set of the Frechet distance
    seed: int = bounded(2018, minimum=0)  # seed of the data draw; independent of the run seeds

    def __post_init__(self) -> None:
        check_bounds(self)


@dataclass(frozen=True)
class ImageDatasetSettings:
    """An image dataset (genlib.data.images): where its raw files come from and how it is split."""

    name: str  # the dataset's name in the config; also its folder under data/
    source: ImageSource | None = None  # reader of the raw files; None: the name itself (mnist, fashion-mnist, cifar10)
    split: Literal["train", "test"] = "train"  # original split whose images train the models
    holdout: int = bounded(
        0, minimum=0
    )  # images of `split` held out as the reference set; 0: the other original split is the reference
    mirror: str | None = None  # folder already holding the raw files (read there, never downloaded)
    resources: str = "resources"  # downloads land in {resources}/{source}/
    download: bool = (
        True  # download missing raw files (published checksums verified); false: fail and say what to put where
    )
    image_size: int | None = None  # square side in pixels after resizing; None: native (28 MNIST, 32 CIFAR-10)
    folder: str | None = None  # image-folder: root of the image files (searched recursively)
    max_train: int | None = bounded(
        None, minimum=1
    )  # keep at most this many training images (a seeded subset); None: all
    seed: int = bounded(0, minimum=0)  # seed of the holdout split and of the max_train subset

    def __post_init__(self) -> None:
        if self.source is None:
            if self.name not in NAMED_IMAGE_DATASETS:
                known = ", ".join(MIXTURE_NAMES + NAMED_IMAGE_DATASETS)
                raise SettingsError(
                    f"unknown dataset {self.name!r}; allowed values: {known}, or a folder of images "
                    f"(set data.{self.name}.source: image-folder and data.{self.name}.folder: <path>)"
                )
            object.__setattr__(self, "source", self.name)
        if self.source == "image-folder":
            if not self.folder:
                raise SettingsError("source image-folder needs folder: <path of the images>")
            if self.image_size not in FOLDER_IMAGE_SIZES:
                raise SettingsError(
                    f"image_size of an image folder must be one of {', '.join(map(str, FOLDER_IMAGE_SIZES))}, got {self.image_size!r}"
                )
        if self.image_size is not None and self.image_size not in IMAGE_SIZES:
            raise SettingsError(
                f"image_size {self.image_size!r} is not allowed; allowed values: {', '.join(map(str, IMAGE_SIZES))}"
            )
        check_bounds(self)


@dataclass(frozen=True)
class GANSettings:
    """Everything that determines one adversarial training run (dataset x model x seed); family "gan"."""

    dataset: str  # prepared dataset to train on
    model: str  # name of the model variant (a key of MODEL_CATALOGUE or of the config)
    seed: int  # seed of initialisation, batches and noise
    objective: Objective  # adversarial objective, see genlib.gan.objectives
    family: Literal["gan"] = "gan"  # the model family (genlib.families.gan)
    # networks: "mlp" is an MLP pair for 2-D points (ReLU G with batch norm, LeakyReLU D) and the lecture's
    # MLP pair for images; "pacgan" is the PacGAN authors' 2-D pair (bias-free batch-norm ReLU G, maxout D,
    # N(0, 0.02) weights; Lin et al. 2018, fjxmlzn/PacGAN); "dcgan" is Radford et al. 2016 (images only);
    # see genlib.networks.build
    network: Network = "mlp"
    maxout_pieces: int = bounded(5, minimum=2)  # network pacgan: linear pieces per maxout unit of D
    # PacGAN (Lin et al. 2018): D judges `packing` samples at once, concatenated (features of 2-D points,
    # channels of images); every batch holds batch_size / packing packed examples; 1: an ordinary D
    packing: int = bounded(1, minimum=1)
    latent_dim: int | None = bounded(
        None, minimum=1
    )  # dimension of the generator's Gaussian noise; None: 2 for 2-D data, 100 for images
    g_width: int = bounded(400, minimum=1)  # 2-D MLP: units per hidden layer of the generator
    g_depth: int = bounded(4, minimum=1)  # 2-D MLP: hidden layers of the generator
    g_batch_norm: bool = True  # batch norm after each hidden layer of the generator (2-D MLP and DCGAN)
    d_width: int = bounded(200, minimum=1)  # 2-D MLP: units per hidden layer of the discriminator
    d_depth: int = bounded(3, minimum=1)  # 2-D MLP: hidden layers of the discriminator
    g_channels: int = bounded(
        64, minimum=1
    )  # DCGAN: channels of the generator's last hidden stage (doubling towards the noise)
    d_channels: int = bounded(64, minimum=1)  # DCGAN: channels of the discriminator's first stage (doubling with depth)
    d_batch_norm: bool | None = (
        None  # DCGAN discriminator batch norm; None: on unless gradient penalty or spectral norm
    )
    spectral_norm: bool = False  # spectral normalisation of every discriminator layer (Miyato et al. 2018)
    conditioning: Conditioning = "none"  # class labels into G and D: concat (Mirza & Osindero 2014) or projection D (Miyato & Koyama 2018); DCGAN only
    # optimisation
    optimizer: Optimizer = "adam"  # optimiser of both networks
    lr_g: float = bounded(2e-4, exclusive_minimum=0.0)  # generator learning rate
    lr_d: float = bounded(2e-4, exclusive_minimum=0.0)  # discriminator learning rate
    beta1: float = bounded(0.5, minimum=0.0, exclusive_maximum=1.0)  # Adam beta1 (RMSprop ignores it)
    beta2: float = bounded(0.999, minimum=0.0, exclusive_maximum=1.0)  # Adam beta2 (RMSprop ignores it)
    n_critic: int = bounded(1, minimum=1)  # discriminator steps per generator step
    # alternating: n_critic D steps, then a G step on fresh noise (Goodfellow et al. 2014, Algorithm 1);
    # simultaneous: one batch, both gradients at the same parameters, both applied (the ALI code base
    # the PacGAN authors trained with, `ali_algorithm`)
    updates: Literal["alternating", "simultaneous"] = "alternating"
    weight_clip: float | None = bounded(
        None, exclusive_minimum=0.0
    )  # clip discriminator weights to [-c, c] after each step (WGAN)
    gradient_penalty: float = bounded(0.0, minimum=0.0)  # weight lambda of the WGAN-GP penalty; 0 turns it off
    # schedule
    steps: int = bounded(2000, minimum=1)  # generator steps
    batch_size: int = bounded(100, minimum=1)  # samples per batch, real and generated
    ema_decay: float | None = bounded(
        None, exclusive_minimum=0.0, exclusive_maximum=1.0
    )  # decay of an exponential moving average of the generator; None: off
    checkpoint_every: int = bounded(500, minimum=1)  # write a resumable checkpoint every this many generator steps
    log_every: int = bounded(1, minimum=1)  # write a loss row every this many generator steps
    # a loss or parameter beyond +-this marks the run diverged at that step; null: only non-finite values do
    divergence_bound: float | None = bounded(1e6, exclusive_minimum=0.0)
    # images: FID over training on a small sample (same backbone as the final FID)
    monitor_every: int = bounded(0, minimum=0)  # compute it every this many generator steps; 0: off
    monitor_samples: int = bounded(1000, minimum=2)  # generated images per point of the curve

    def __post_init__(self) -> None:
        if self.latent_dim is None:
            object.__setattr__(self, "latent_dim", 2 if self.dataset in MIXTURE_NAMES else 100)
        check_bounds(self)
        if self.dataset in MIXTURE_NAMES and (self.network == "dcgan" or self.conditioning != "none"):
            raise SettingsError(
                f"2-D dataset {self.dataset}: network must be mlp or pacgan and conditioning none, "
                f"got network {self.network!r}, conditioning {self.conditioning!r}"
            )
        if self.network == "pacgan" and self.dataset not in MIXTURE_NAMES:
            raise SettingsError(
                f"network pacgan is the PacGAN authors' 2-D pair; {self.dataset} holds images: use mlp or dcgan"
            )
        if self.updates == "simultaneous" and (self.n_critic != 1 or self.gradient_penalty or self.weight_clip):
            raise SettingsError(
                "updates: simultaneous takes one D and one G gradient from the same batch; it needs n_critic 1, "
                "no gradient_penalty and no weight_clip"
            )
        if self.batch_size % self.packing:
            raise SettingsError(
                f"packing {self.packing} does not divide batch_size {self.batch_size}: every packed example holds "
                f"{self.packing} samples; set batch_size to a multiple of {self.packing}"
            )
        if self.packing > 1 and self.conditioning != "none":
            raise SettingsError(
                f"packing {self.packing} with conditioning {self.conditioning!r}: a packed example mixes classes; "
                "use packing 1 for a conditional GAN"
            )
        if self.conditioning != "none" and self.network != "dcgan":
            raise SettingsError(f"conditioning {self.conditioning!r} needs network dcgan, got network {self.network!r}")
        if self.d_batch_norm and self.gradient_penalty > 0:
            raise SettingsError(
                "d_batch_norm: a gradient-penalised critic must not use batch norm (Gulrajani et al. 2017, Sec. 4); "
                "set d_batch_norm to false or null"
            )

    @property
    def data_kind(self) -> DataKind:
        """The kind of data this run trains on, decided by its dataset."""
        return data_kind(self.dataset)

    def data_problem(self, spec: DataSpec) -> str | None:
        """Why this run's networks cannot take data of `spec`, or None when they can."""
        if self.network == "dcgan":
            if spec.kind != "images":
                return f"network dcgan needs images, but {self.dataset} holds {spec.kind}"
            channels, height, width = spec.shape
            if height != width or height not in IMAGE_SIZES:
                return (
                    f"network dcgan is built for square 28, 32 or 64 px images; {self.dataset} has {height} x {width}: "
                    f"set data.{self.dataset}.image_size to 28, 32 or 64"
                )
        if self.conditioning != "none" and spec.num_classes < 2:
            return f"conditioning {self.conditioning!r} needs class labels, but {self.dataset} has none"
        return None


@dataclass(frozen=True)
class DiffusionSettings:
    """Everything that determines one diffusion run (dataset x model x seed) and how it is sampled."""

    dataset: str  # prepared dataset to train on
    model: str  # name of the model variant
    seed: int  # seed of initialisation, batches, steps and noise
    family: Literal["diffusion"] = "diffusion"  # marks a diffusion variant in the catalogue
    # forward process (genlib.diffusion.schedules)
    schedule: Literal["linear", "cosine"] = "linear"  # Ho et al. 2020 / Nichol & Dhariwal 2021
    timesteps: int = bounded(1000, minimum=1)  # T
    # epsilon network: a U-Net for images, an MLP for 2-D points (genlib.networks.unet)
    channels: int = bounded(32, minimum=1)  # U-Net base channels
    res_blocks: int = bounded(1, minimum=1)  # residual blocks per U-Net resolution
    attention: bool = True  # self-attention at the U-Net's lowest resolution
    dropout: float = bounded(0.1, minimum=0.0, exclusive_maximum=1.0)  # dropout in the U-Net's residual blocks
    width: int = bounded(128, minimum=1)  # 2-D MLP: units per hidden layer
    depth: int = bounded(3, minimum=1)  # 2-D MLP: hidden layers
    conditional: bool = False  # class labels in, for classifier-free guidance (Ho & Salimans 2021); images only
    label_dropout: float = bounded(
        0.1, minimum=0.0, exclusive_maximum=1.0
    )  # probability of training on the "no class" label (conditional only)
    guidance: float = bounded(0.0, minimum=0.0)  # guidance weight w when sampling a conditional model
    # optimisation: Adam with the simple loss ||eps - eps_theta||^2 (Ho et al. 2020, eq. 14)
    lr: float = bounded(2e-4, exclusive_minimum=0.0)
    batch_size: int = bounded(128, minimum=1)
    steps: int = bounded(2000, minimum=1)  # optimiser steps
    ema_decay: float | None = bounded(
        0.999, exclusive_minimum=0.0, exclusive_maximum=1.0
    )  # exponential moving average of the weights, used for sampling; None: off
    checkpoint_every: int = bounded(500, minimum=1)  # write a resumable checkpoint every this many steps
    log_every: int = bounded(1, minimum=1)  # write a loss row every this many steps
    # a loss or parameter beyond +-this marks the run diverged at that step; null: only non-finite values do
    divergence_bound: float | None = bounded(1e6, exclusive_minimum=0.0)
    monitor_every: int = bounded(0, minimum=0)  # images: FID of a small sample every this many steps; 0: off
    monitor_samples: int = bounded(1000, minimum=2)  # samples per point of that curve
    # sampling (genlib.diffusion.samplers)
    sampler: Literal["ddpm", "ddim"] = "ddim"  # ancestral DDPM (Ho et al. 2020) or DDIM (Song et al. 2021)
    sampler_steps: int | None = bounded(50, minimum=1)  # S, the steps the sampler visits; None: all T
    eta: float = bounded(
        0.0, minimum=0.0, maximum=1.0
    )  # DDIM stochasticity: 0 deterministic, 1 DDPM-like (Song et al. 2021, eq. 16)
    spacing: Literal["uniform", "quadratic"] = "uniform"  # which S of the T steps the sampler visits
    # clip the predicted x_0 to the data range [-1, 1] in each step (images only); null: as the authors'
    # code (ermongroup/ddim): the DDPM step clips, the DDIM step does not
    clip_x0: bool | None = None

    def __post_init__(self) -> None:
        check_bounds(self)
        if self.sampler_steps is not None and not 1 <= self.sampler_steps <= self.timesteps:
            raise SettingsError(
                f"sampler_steps {self.sampler_steps} is outside 1 to timesteps {self.timesteps}; allowed values: 1 to {self.timesteps}, or null for all"
            )
        if self.conditional and self.dataset in MIXTURE_NAMES:
            raise SettingsError(f"conditional: 2-D dataset {self.dataset} has no classes")
        if self.clip_x0 and self.dataset in MIXTURE_NAMES:
            raise SettingsError(
                f"clip_x0: 2-D dataset {self.dataset} does not lie in [-1, 1], so its predicted x_0 cannot be "
                "clipped to it; set clip_x0 to false or null"
            )
        if self.schedule == "linear" and self.timesteps < 21:  # genlib.diffusion.schedules.LINEAR_MIN_TIMESTEPS
            raise SettingsError(
                f"timesteps {self.timesteps} is too few for the linear schedule: its last beta, 0.02 x 1000 / T, "
                f"would reach 1 or more; allowed values: 21 or more, or schedule: cosine"
            )

    @property
    def data_kind(self) -> DataKind:
        """The kind of data this run trains on, decided by its dataset."""
        return data_kind(self.dataset)

    @property
    def clips_x0(self) -> bool:
        """Whether the sampler clips its predicted x_0: `clip_x0`, or by default as the authors' code
        does (DDPM yes, DDIM no); never for 2-D points, which do not lie in [-1, 1]."""
        if self.data_kind != "images":
            return False
        return self.clip_x0 if self.clip_x0 is not None else self.sampler == "ddpm"

    def data_problem(self, spec: DataSpec) -> str | None:
        """Why this run's denoiser cannot take data of `spec`, or None when it can."""
        if self.conditional and spec.num_classes < 2:
            return f"conditional diffusion needs class labels, but {self.dataset} has none"
        return None


@dataclass(frozen=True)
class EvaluationSettings:
    """How samples are scored: sample counts, the feature backbone of image metrics, and its options."""

    n_samples: int | None = bounded(
        None, minimum=2
    )  # generated samples scored per run; None: 2,500 for 2-D data (PacGAN), 10,000 for images
    sample_seed: int = bounded(12345, minimum=0)  # seed of the evaluation noise, the same for every run
    backbone: Literal["classifier", "inception"] = (
        "classifier"  # features of image metrics (see genlib.metrics.backbones)
    )
    inception_weights: str | None = None  # torch-fidelity's InceptionV3 weights file; None: the torch hub cache
    inception_antialias: bool = (
        False  # antialiased resize to 299 px; false matches the TF Inception of published tables
    )
    classifier_epochs: int = bounded(3, minimum=1)  # epochs of the offline classifier backbone on the training split
    classifier_seed: int = bounded(0, minimum=0)  # seed of the classifier's training
    kid_subsets: int = bounded(100, minimum=1)  # random subsets of the KID estimate (Binkowski et al. 2018)
    kid_subset_size: int = bounded(1000, minimum=2)  # samples per KID subset (capped at the smaller set)
    precision_recall_k: int = bounded(
        3, minimum=1
    )  # k of the k-NN manifolds of precision and recall (Kynkaanniemi et al. 2019)
    grid_size: int = bounded(64, minimum=1)  # images in the fixed-noise sample grid (a square number)

    def __post_init__(self) -> None:
        check_bounds(self)
        if int(self.grid_size**0.5) ** 2 != self.grid_size:
            raise SettingsError(f"grid_size must be a square number (16, 64, 100, ...), got {self.grid_size!r}")

    def samples_for(self, dataset: str) -> int:
        """Generated samples scored per run of `dataset`."""
        if self.n_samples is not None:
            return self.n_samples
        return 2500 if dataset in MIXTURE_NAMES else 10_000


@dataclass(frozen=True)
class SweepPoint:
    """One sampler setting of a sampler sweep (config key `sampler_sweep`), applied to a trained diffusion model."""

    sampler: Literal["ddpm", "ddim"]  # DDPM with sigma-hat, or DDIM (Song et al. 2021, Table 1)
    sampler_steps: int  # S
    eta: float = 0.0  # DDIM only
    spacing: Literal["uniform", "quadratic"] = "uniform"

    @property
    def tag(self) -> str:
        """The setting's folder name, e.g. ddim-eta0-quadratic-S10."""
        eta = f"-eta{self.eta:g}" if self.sampler == "ddim" else ""
        return f"{self.sampler}{eta}-{self.spacing}-S{self.sampler_steps}"

    @property
    def label(self) -> str:
        """The setting's sampler without S, for plots and tables, e.g. "DDIM eta=0"."""
        return f"DDIM eta={self.eta:g}" if self.sampler == "ddim" else "DDPM (sigma-hat)"

    def overrides(self) -> dict[str, Any]:
        """The DiffusionSettings fields this setting replaces."""
        return dataclasses.asdict(self)


# The settings class of each model family, by the `family` key of a model variant. A family's
# behaviour (train, load, sample) is in genlib.families, whose registry uses the same names.
FAMILY_SETTINGS: dict[str, type] = {"gan": GANSettings, "diffusion": DiffusionSettings}


def family_fields(family: str) -> tuple[str, ...]:
    """The settings keys of a model family."""
    return tuple(f.name for f in dataclasses.fields(FAMILY_SETTINGS[family]))


def tunable_run_fields() -> tuple[str, ...]:
    """Fields a config may set per model or for all models (the run's identity comes from the matrix)."""
    names = (name for family in FAMILY_SETTINGS for name in family_fields(family))
    return tuple(dict.fromkeys(n for n in names if n not in ("dataset", "model", "seed", "family")))


MIXTURE_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(MixtureSettings))
IMAGE_DATASET_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ImageDatasetSettings))


def from_dict(cls: type, values: dict[str, Any], *, where: str = "settings") -> Any:
    """Build the dataclass `cls` from `values`, naming the key and allowed values on any error."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise SettingsError(f"{where}: unknown key {unknown[0]!r}; allowed keys: {', '.join(fields)}")
    checked = {name: _check_type(value, hints[name], f"{where}.{name}") for name, value in values.items()}
    missing = [n for n, f in fields.items() if n not in checked and f.default is dataclasses.MISSING]
    if missing:
        raise SettingsError(f"{where}: missing required key {missing[0]!r}")
    try:
        return cls(**checked)
    except SettingsError as error:
        raise SettingsError(f"{where}: {error}") from None


def to_dict(settings: Any) -> dict[str, Any]:
    """Plain-JSON form of a settings dataclass."""
    return dataclasses.asdict(settings)


def _check_type(value: Any, hint: Any, where: str) -> Any:
    origin = get_origin(hint)
    if origin is Literal:
        allowed = get_args(hint)
        if value not in allowed:
            raise SettingsError(f"{where}: {value!r} is not allowed; allowed values: {', '.join(map(str, allowed))}")
        return value
    if origin in (typing.Union, types.UnionType):
        return _check_union(value, get_args(hint), where)
    return _check_scalar(value, hint, where)


def _check_union(value: Any, options: tuple[Any, ...], where: str) -> Any:
    """`value` as the first of `options` it fits (None fits an optional setting)."""
    if value is None and type(None) in options:
        return None
    errors = []
    for option in options:
        if option is type(None):
            continue
        try:
            return _check_type(value, option, where)
        except SettingsError as error:
            errors.append(str(error))
    raise SettingsError(errors[0] if errors else f"{where}: got {value!r}")


def _check_scalar(value: Any, hint: Any, where: str) -> Any:
    if hint is bool:
        if not isinstance(value, bool):
            raise SettingsError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingsError(f"{where}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingsError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise SettingsError(f"{where}: expected a string, got {value!r}")
        return value
    raise TypeError(f"unsupported settings type {hint!r} at {where}")
