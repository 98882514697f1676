"""Settings of the GAN family (genlib.families.gan): one adversarial training run (torch-free)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args

from genlib.config.catalogue import DCGAN_SIZES, MIXTURE_NAMES, DataKind, DataSpec, data_kind
from genlib.config.run_settings import RunSettings
from genlib.config.validation import SettingsError, bounded, check_bounds, to_dict
from genlib.data.kinds import IMAGES, kind_of

Objective = Literal["minimax", "nonsaturating", "wasserstein", "least-squares", "hinge"]
Optimizer = Literal["adam", "rmsprop"]
Network = Literal["mlp", "dcgan", "pacgan", "veegan-dcgan", "unrolled-dcgan"]
STACKED_MNIST_NETWORKS: tuple[str, ...] = ("veegan-dcgan", "unrolled-dcgan")
Conditioning = Literal["none", "concat", "projection"]

OBJECTIVE_NAMES: tuple[str, ...] = get_args(Objective)


@dataclass(frozen=True)
class GANSettings(RunSettings):
    """Everything that determines one adversarial training run (dataset x model x seed); family "gan"."""

    # the seeds of a 2-D model may train as one batched job (genlib.families.gan.batched)
    batched_kinds: ClassVar[tuple[DataKind, ...]] = ("points",)

    dataset: str  # prepared dataset to train on
    model: str  # name of the model variant (a family preset or a config's custom model)
    seed: int  # seed of initialisation, batches and noise
    objective: Objective  # adversarial objective, see genlib.gan.objectives
    family: Literal["gan"] = "gan"  # the model family (genlib.families.gan)
    # networks: "mlp" is an MLP pair for 2-D points (ReLU G with batch norm, LeakyReLU D) and the lecture's
    # MLP pair for images; "pacgan" is the PacGAN authors' 2-D pair (bias-free batch-norm ReLU G, maxout D,
    # N(0, 0.02) weights; Lin et al. 2018, fjxmlzn/PacGAN); "dcgan" is Radford et al. 2016 (images only);
    # "veegan-dcgan" and "unrolled-dcgan" are the PacGAN authors' Stacked MNIST pairs of their Tables 2 and 3
    # (28 px; d_channels is Table 3's discriminator width: 2 = 1/4 of G, 4 = 1/2); see genlib.families.gan.networks
    network: Network = "mlp"
    maxout_pieces: int = bounded(5, minimum=2)  # network pacgan: linear pieces per maxout unit of D
    # PacGAN (Lin et al. 2018): D judges `packing` samples at once, concatenated (features of 2-D points,
    # channels of images); every batch holds batch_size / packing packed examples; 1: an ordinary D
    packing: int = bounded(1, minimum=1)
    # packing > 1: G is called once per packed slot (`packing` calls of batch_size / packing noise vectors, so its
    # training-mode batch norm sees one slot's samples per call) and packed example i takes the i-th sample of
    # every call, as the PacGAN authors' code does (`G_sep`, concatenated on channels); False: one call for all
    per_slot_generation: bool = False
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
    # Diffusion-GAN (Wang et al. 2023; authors' code Zhendong-Wang/Diffusion-GAN, diffusion-stylegan2): real
    # and generated samples are both diffused to a timestep t drawn from a chain of length T before D sees
    # them, and D is told t; T follows p in [0, 1], which moves every `diffusion_interval` D steps toward
    # r_d = E[sign D(real)] = diffusion_target (genlib.gan.diffusion_gan). Defaults: the authors' train.py.
    diffusion_gan: bool = False
    diffusion_target: float = bounded(0.6, exclusive_minimum=0.0, exclusive_maximum=1.0)  # target of r_d
    diffusion_t_min: int = bounded(10, minimum=2)  # shortest chain (p = 0); priority sampling needs T >= 2
    diffusion_t_max: int = bounded(1000, minimum=3)  # longest chain (p = 1)
    diffusion_interval: int = bounded(4, minimum=1)  # D steps between adjustments of p (ada_interval)
    # thousands of real samples over which p can move by 1 (ada_kimg): each adjustment moves it by
    # batch_size * interval / (1000 * kimg)
    diffusion_kimg: float = bounded(100.0, exclusive_minimum=0.0)
    diffusion_t_sampling: Literal["priority", "uniform"] = "priority"  # t with probability ~ t - 1, or uniform
    diffusion_noise_std: float = bounded(0.05, exclusive_minimum=0.0)  # std of the diffusion noise (noise_sd)
    # optimisation
    optimizer: Optimizer = "adam"  # optimiser of both networks
    lr_g: float = bounded(2e-4, exclusive_minimum=0.0)  # generator learning rate
    lr_d: float = bounded(2e-4, exclusive_minimum=0.0)  # discriminator learning rate
    beta1: float = bounded(0.5, minimum=0.0, exclusive_maximum=1.0)  # Adam beta1 (RMSprop ignores it)
    beta2: float = bounded(0.999, minimum=0.0, exclusive_maximum=1.0)  # Adam beta2 (RMSprop ignores it)
    n_critic: int = bounded(1, minimum=1)  # discriminator steps per generator step
    # generator steps per iteration, on the same noise; the PacGAN authors' Table 2 code runs two "to make
    # sure that d_loss does not go to zero"
    g_steps: int = bounded(1, minimum=1)
    # one noise draw per iteration, fed to the D step and to every G step of that iteration (the PacGAN authors'
    # Stacked MNIST code feeds one `feed_dict_z` to all of them); False: fresh noise for each D step and one draw
    # shared by the G steps. Needs n_critic 1 and alternating updates
    shared_noise: bool = False
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
    # batch norm of the generator when sampling (and in the FID monitor): "running" statistics (eval mode), or
    # each sampling batch's own statistics ("batch", batches of batch_size / packing noise vectors, one slot's:
    # the PacGAN authors' Table 3 sampler never sets train=False; their Table 2 sampler uses running statistics)
    sampling_batch_norm: Literal["running", "batch"] = "running"

    def __post_init__(self) -> None:
        if self.latent_dim is None:
            object.__setattr__(self, "latent_dim", 2 if self.dataset in MIXTURE_NAMES else 100)
        check_bounds(self)
        self._check_network()
        if self.diffusion_t_min >= self.diffusion_t_max:
            raise SettingsError(
                f"diffusion_t_min {self.diffusion_t_min} must be below diffusion_t_max {self.diffusion_t_max}: "
                "T moves between them (the authors' defaults: 10 and 1000)"
            )
        if self.g_steps > 1 and (self.updates == "simultaneous" or self.n_critic > 1):
            raise SettingsError(
                f"g_steps {self.g_steps} takes one discriminator step per iteration and alternating updates; "
                "set n_critic 1 and updates alternating, or g_steps 1"
            )
        if self.shared_noise and (self.updates == "simultaneous" or self.n_critic > 1):
            raise SettingsError(
                f"shared_noise feeds one noise draw to the one D step and the G steps of an iteration; it needs "
                f"n_critic 1 and updates alternating (got n_critic {self.n_critic}, updates {self.updates}): set "
                "those, or shared_noise false"
            )
        if self.per_slot_generation and self.packing == 1:
            raise SettingsError(
                "per_slot_generation calls G once per packed slot; with packing 1 there is one slot: set packing "
                "to 2 or more, or per_slot_generation false"
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

    def _check_network(self) -> None:
        """Refuse a network that cannot take the dataset's kind of data, or an option it does not have."""
        if self.dataset in MIXTURE_NAMES and (self.network == "dcgan" or self.conditioning != "none"):
            raise SettingsError(
                f"2-D dataset {self.dataset}: network must be mlp or pacgan and conditioning none, "
                f"got network {self.network!r}, conditioning {self.conditioning!r}"
            )
        if self.network == "pacgan" and self.dataset not in MIXTURE_NAMES:
            raise SettingsError(
                f"network pacgan is the PacGAN authors' 2-D pair; {self.dataset} holds images: use mlp or dcgan"
            )
        if self.network in STACKED_MNIST_NETWORKS:
            if self.dataset in MIXTURE_NAMES:
                raise SettingsError(
                    f"network {self.network} is built for Stacked MNIST images; {self.dataset} holds 2-D points"
                )
            if self.spectral_norm:
                raise SettingsError(f"network {self.network} is the authors' batch-norm pair; set spectral_norm: false")

    @property
    def data_kind(self) -> DataKind:
        """The kind of data this run trains on, decided by its dataset."""
        return data_kind(self.dataset)

    def data_problem(self, spec: DataSpec) -> str | None:
        """Why this run's networks cannot take data of `spec`, or None when they can."""
        if self.network == "dcgan":
            if kind_of(spec.kind) is not IMAGES:
                return f"network dcgan needs images, but {self.dataset} holds {spec.kind}"
            channels, height, width = spec.shape
            if height != width or height not in DCGAN_SIZES:
                return (
                    f"network dcgan is built for square 28, 32 or 64 px images; {self.dataset} has {height} x {width}: "
                    f"set data.{self.dataset}.image_size to 28, 32 or 64"
                )
        if self.network in STACKED_MNIST_NETWORKS and (kind_of(spec.kind) is not IMAGES or spec.shape[1:] != (28, 28)):
            shape = " x ".join(map(str, spec.shape))
            return f"network {self.network} is built for 28 x 28 images (Stacked MNIST); {self.dataset} has {shape}"
        if self.conditioning != "none" and spec.num_classes < 2:
            return f"conditioning {self.conditioning!r} needs class labels, but {self.dataset} has none"
        return None

    @classmethod
    def group_problem(cls, settings_list: list[Any]) -> str | None:
        """Why these runs cannot be trained as one batched group by genlib.families.gan.batched (None when they can)."""
        first = settings_list[0]
        if any({**to_dict(s), "seed": 0} != {**to_dict(first), "seed": 0} for s in settings_list):
            return "the runs of a group must differ in their seed only"
        if len({s.seed for s in settings_list}) != len(settings_list):
            return "the runs of a group need distinct seeds"
        if kind_of(first.data_kind).images:
            return "the batched trainer is for 2-D runs; image runs train one per job"
        refused = {
            "gradient_penalty": bool(first.gradient_penalty),
            # spectral norm's power iteration writes its vectors in place, which vmap cannot batch
            "spectral_norm": bool(first.spectral_norm),
            "ema_decay": first.ema_decay is not None,
            "monitor_every": bool(first.monitor_every),
            "diffusion_gan": first.diffusion_gan,
            "g_steps": first.g_steps > 1,
            "shared_noise": first.shared_noise,
            "per_slot_generation": first.per_slot_generation,
        }
        if any(refused.values()):
            return (
                f"the batched trainer takes no {', '.join(name for name, used in refused.items() if used)} "
                f"(nor any of {', '.join(refused)}); these runs train one per job"
            )
        return None


SETTINGS = GANSettings


# The optimisers the presets share: Radford et al. 2016, Sec. 4 (Adam 2e-4, beta1 0.5), and Gulrajani et al.
# 2017, Algorithm 1 (Adam 1e-4, betas (0, 0.9)).
DCGAN_ADAM = dict(optimizer="adam", lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999)
WGAN_GP_ADAM = dict(optimizer="adam", lr_g=1e-4, lr_d=1e-4, beta1=0.0, beta2=0.9)

# Named model variants of the GAN family with the optimiser settings their papers publish (a config may add its
# own under custom_models or change any field under model_overrides).
PRESETS: dict[str, dict[str, Any]] = {
    # Goodfellow et al. 2014, eq. 1, with Adam as in Radford et al. 2016 (DCGAN), Sec. 4.
    "gan-minimax": dict(objective="minimax", **DCGAN_ADAM),
    # Goodfellow et al. 2014, Sec. 3: G maximises log D(G(z)); same optimiser as above.
    "gan-nonsaturating": dict(objective="nonsaturating", **DCGAN_ADAM),
    # Arjovsky et al. 2017, Algorithm 1: RMSprop, lr 5e-5, clip 0.01, n_critic 5.
    "wgan": dict(objective="wasserstein", optimizer="rmsprop", lr_g=5e-5, lr_d=5e-5, n_critic=5, weight_clip=0.01),
    # Gulrajani et al. 2017, Algorithm 1: Adam(1e-4, 0, 0.9), lambda 10, n_critic 5.
    "wgan-gp": dict(
        objective="wasserstein",
        **WGAN_GP_ADAM,
        n_critic=5,
        gradient_penalty=10.0,
    ),
    # Mao et al. 2017, Sec. 4: Adam, lr 2e-4, beta1 0.5.
    "lsgan": dict(objective="least-squares", **DCGAN_ADAM),
    # Lim & Ye 2017 hinge loss with spectral norm, as in Miyato et al. 2018, Table 1 setting C.
    "hinge-sn": dict(
        objective="hinge",
        spectral_norm=True,
        **DCGAN_ADAM,
    ),
    # --- image networks ---
    # The lecture's fully connected GAN (Goodfellow et al. 2014) with the non-saturating loss.
    "mlp-gan": dict(
        network="mlp",
        objective="nonsaturating",
        **DCGAN_ADAM,
    ),
    # Radford et al. 2016, Sec. 4: Adam, lr 2e-4, beta1 0.5, non-saturating loss.
    "dcgan": dict(
        network="dcgan",
        objective="nonsaturating",
        **DCGAN_ADAM,
    ),
    "dcgan-minimax": dict(
        network="dcgan",
        objective="minimax",
        **DCGAN_ADAM,
    ),
    # Arjovsky et al. 2017 on the DCGAN pair (their experiments keep the DCGAN critic's batch norm).
    "dcgan-wgan": dict(
        network="dcgan",
        objective="wasserstein",
        optimizer="rmsprop",
        lr_g=5e-5,
        lr_d=5e-5,
        n_critic=5,
        weight_clip=0.01,
    ),
    # Gulrajani et al. 2017 on the DCGAN pair; the critic drops batch norm (d_batch_norm resolves to off).
    "dcgan-wgan-gp": dict(
        network="dcgan",
        objective="wasserstein",
        **WGAN_GP_ADAM,
        n_critic=5,
        gradient_penalty=10.0,
    ),
    "dcgan-lsgan": dict(
        network="dcgan",
        objective="least-squares",
        **DCGAN_ADAM,
    ),
    # Miyato et al. 2018, Table 1 setting C, on the DCGAN pair (their "standard CNN").
    "dcgan-hinge-sn": dict(
        network="dcgan",
        objective="hinge",
        spectral_norm=True,
        **DCGAN_ADAM,
    ),
    # Conditional GAN (Mirza & Osindero 2014): one-hot labels into G and D, DCGAN pair, DCGAN's optimiser.
    "cgan": dict(
        network="dcgan",
        conditioning="concat",
        objective="nonsaturating",
        **DCGAN_ADAM,
    ),
    # Projection discriminator (Miyato & Koyama 2018, Sec. 5): hinge loss, spectral norm, Adam(2e-4, 0, 0.9), 5 D steps.
    "cgan-projection": dict(
        network="dcgan",
        conditioning="projection",
        objective="hinge",
        spectral_norm=True,
        optimizer="adam",
        lr_g=2e-4,
        lr_d=2e-4,
        beta1=0.0,
        beta2=0.9,
        n_critic=5,
    ),
}
