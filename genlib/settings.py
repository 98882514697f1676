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

DatasetName = Literal["ring8", "grid25"]
Objective = Literal["minimax", "nonsaturating", "wasserstein", "least-squares", "hinge"]
Optimizer = Literal["adam", "rmsprop"]

DATASET_NAMES: tuple[str, ...] = get_args(DatasetName)
OBJECTIVE_NAMES: tuple[str, ...] = get_args(Objective)


class SettingsError(ValueError):
    """A setting has an unknown key, a wrong type or a value outside its allowed range."""


@dataclass(frozen=True)
class DatasetSettings:
    name: DatasetName  # which dataset to prepare
    n_train: int = 100_000  # training points (PacGAN protocol: 100k)
    n_test: int = 10_000  # held-out points, the reference set of the Frechet distance
    seed: int = 2018  # seed of the data draw; independent of the run seeds

    def __post_init__(self) -> None:
        _require_positive(self, "n_train", "n_test")


@dataclass(frozen=True)
class RunSettings:
    """Everything that determines one training run (dataset x model x seed)."""

    dataset: DatasetName  # prepared dataset to train on
    model: str  # name of the model variant (a key of MODEL_CATALOGUE or of the config)
    seed: int  # seed of initialisation, batches and noise
    objective: Objective  # adversarial objective, see genlib.objectives
    # network: MLP pair; defaults follow PacGAN's 2-D experiments (Lin et al. 2018, Appendix)
    latent_dim: int = 2  # dimension of the generator's Gaussian noise
    g_width: int = 400  # units per hidden layer of the generator
    g_depth: int = 4  # hidden layers of the generator
    g_batch_norm: bool = True  # batch norm after each hidden layer of the generator
    d_width: int = 200  # units per hidden layer of the discriminator
    d_depth: int = 3  # hidden layers of the discriminator
    spectral_norm: bool = False  # spectral normalisation of every discriminator layer (Miyato et al. 2018)
    # optimisation
    optimizer: Optimizer = "adam"  # optimiser of both networks
    lr_g: float = 2e-4  # generator learning rate
    lr_d: float = 2e-4  # discriminator learning rate
    beta1: float = 0.5  # Adam beta1 (RMSprop ignores it)
    beta2: float = 0.999  # Adam beta2 (RMSprop ignores it)
    n_critic: int = 1  # discriminator steps per generator step
    weight_clip: float | None = None  # clip discriminator weights to [-c, c] after each step (WGAN)
    gradient_penalty: float = 0.0  # weight lambda of the WGAN-GP penalty; 0 turns it off
    # schedule
    steps: int = 2000  # generator steps
    batch_size: int = 100  # samples per batch, real and generated
    ema_decay: float | None = None  # decay of an exponential moving average of the generator; None: off
    checkpoint_every: int = 500  # write a resumable checkpoint every this many generator steps
    log_every: int = 1  # write a loss row every this many generator steps

    def __post_init__(self) -> None:
        _require_positive(self, "latent_dim", "g_width", "g_depth", "d_width", "d_depth")
        _require_positive(self, "lr_g", "lr_d", "n_critic", "steps", "batch_size")
        _require_positive(self, "checkpoint_every", "log_every")
        for name in ("beta1", "beta2"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise SettingsError(f"{name} must lie in [0, 1), got {getattr(self, name)!r}")
        if self.ema_decay is not None and not 0.0 < self.ema_decay < 1.0:
            raise SettingsError(f"ema_decay must lie in (0, 1) or be null, got {self.ema_decay!r}")
        if self.weight_clip is not None and self.weight_clip <= 0:
            raise SettingsError(f"weight_clip must be positive or null, got {self.weight_clip!r}")
        if self.gradient_penalty < 0:
            raise SettingsError(f"gradient_penalty must be >= 0, got {self.gradient_penalty!r}")


# Named model variants with the optimiser settings their papers publish. A config may add its own
# variants or override any RunSettings field per model.
MODEL_CATALOGUE: dict[str, dict[str, Any]] = {
    # Goodfellow et al. 2014, eq. 1, with Adam as in Radford et al. 2016 (DCGAN), Sec. 4.
    "gan-minimax": dict(objective="minimax", optimizer="adam", lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999),
    # Goodfellow et al. 2014, Sec. 3: G maximises log D(G(z)); same optimiser as above.
    "gan-nonsaturating": dict(
        objective="nonsaturating", optimizer="adam", lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999
    ),
    # Arjovsky et al. 2017, Algorithm 1: RMSprop, lr 5e-5, clip 0.01, n_critic 5.
    "wgan": dict(objective="wasserstein", optimizer="rmsprop", lr_g=5e-5, lr_d=5e-5, n_critic=5, weight_clip=0.01),
    # Gulrajani et al. 2017, Algorithm 1: Adam(1e-4, 0, 0.9), lambda 10, n_critic 5.
    "wgan-gp": dict(
        objective="wasserstein", optimizer="adam", lr_g=1e-4, lr_d=1e-4, beta1=0.0, beta2=0.9,
        n_critic=5, gradient_penalty=10.0,
    ),
    # Mao et al. 2017, Sec. 4: Adam, lr 2e-4, beta1 0.5.
    "lsgan": dict(objective="least-squares", optimizer="adam", lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999),
    # Lim & Ye 2017 hinge loss with spectral norm, as in Miyato et al. 2018, Table 1 setting C.
    "hinge-sn": dict(
        objective="hinge", spectral_norm=True, optimizer="adam", lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999
    ),
}

RUN_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RunSettings))
# Fields a config may set per model or for all models (the run's identity comes from the matrix).
TUNABLE_RUN_FIELDS: tuple[str, ...] = tuple(n for n in RUN_FIELDS if n not in ("dataset", "model", "seed"))
DATASET_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(DatasetSettings))


def from_dict(cls: type, values: dict[str, Any], *, where: str = "settings") -> Any:
    """Build the dataclass `cls` from `values`, naming the key and allowed values on any error."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise SettingsError(
            f"{where}: unknown key {unknown[0]!r}; allowed keys: {', '.join(fields)}"
        )
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
        options = get_args(hint)
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


def _require_positive(settings: Any, *names: str) -> None:
    for name in names:
        value = getattr(settings, name)
        if value <= 0:
            raise SettingsError(f"{name} must be positive, got {value!r}")

