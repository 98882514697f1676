"""Settings of the image-to-image family (genlib.families.translation): pix2pix, CycleGAN, SRGAN (torch-free).

Every loss term has its own weight, so the papers' ablations are configs: pix2pix's "L1 alone"
(adversarial_weight 0), "cGAN alone" (l1_weight 0); CycleGAN's "cycle alone", "GAN + forward cycle"
(cycle_backward false); SRGAN's SRResNet (adversarial_weight 0). Defaults are the authors' code
(junyanz/pytorch-CycleGAN-and-pix2pix) and the SRGAN paper; None picks the method's own value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from genlib.config import paths
from genlib.config.catalogue import DataKind, DataSpec
from genlib.config.run_settings import RunSettings
from genlib.config.validation import SettingsError, bounded, check_bounds

Method = Literal["pix2pix", "cyclegan", "srgan", "bicubic"]
Translator = Literal["unet", "resnet", "srresnet", "bicubic"]
NormKind = Literal["batch", "instance"]
AdversarialObjective = Literal["nonsaturating", "least-squares"]
ContentLoss = Literal["pixel", "features"]

# What each method trains on and with, when the settings leave it open.
METHOD_DEFAULTS: dict[str, dict[str, object]] = {
    # Isola et al. 2017: U-Net, batch norm, vanilla cGAN, batch 1
    "pix2pix": {"data_kind": "paired", "generator": "unet", "norm": "batch", "gan_objective": "nonsaturating"},
    # Zhu et al. 2017: ResNet generator, instance norm, least squares (Mao et al. 2017)
    "cyclegan": {"data_kind": "unpaired", "generator": "resnet", "norm": "instance", "gan_objective": "least-squares"},
    # Ledig et al. 2017: SRResNet, its own discriminator, the standard GAN loss
    "srgan": {"data_kind": "paired", "generator": "srresnet", "norm": "batch", "gan_objective": "nonsaturating"},
    # the super-resolution baseline of every SR table: bicubic upscaling, nothing to learn
    "bicubic": {"data_kind": "paired", "generator": "bicubic", "norm": "batch", "gan_objective": "nonsaturating"},
}


@dataclass(frozen=True)
class TranslationSettings(RunSettings):
    """Everything that determines one image-to-image training run (dataset x model x seed); family "translation"."""

    extra_pictures: ClassVar[dict[str, str]] = {
        "translations": "held-out inputs, their translations and targets; CycleGAN both ways with reconstructions; "
        "SRGAN beside bicubic upscaling, zoomed"
    }

    dataset: str  # prepared image-to-image dataset (genlib.data.translation)
    model: str  # name of the model variant
    seed: int  # seed of initialisation, batches, dropout and the history pool
    method: Method  # pix2pix (paired), cyclegan (unpaired), srgan (paired super-resolution), bicubic (its baseline)
    family: Literal["translation"] = "translation"
    generator: Translator | None = None  # None: unet (pix2pix), resnet (cyclegan), srresnet (srgan)
    g_channels: int = bounded(64, minimum=1)  # channels of G's first stage (the authors' ngf)
    d_channels: int = bounded(64, minimum=1)  # channels of D's first stage (ndf)
    norm: NormKind | None = None  # normalisation of G and the PatchGAN; None: batch (pix2pix), instance (cyclegan)
    dropout: float = bounded(0.5, minimum=0.0, exclusive_maximum=1.0)  # U-Net: dropout in the inner decoder levels,
    # pix2pix's only noise (0.5); 0: none
    # U-Net: decoder blocks with that dropout, counted from the innermost; None: the authors' rule, their
    # 512-channel blocks (num_downs - 5: 3 at 256 px, 1 at 64 px, none at 28 and 32 px, where dropout does nothing)
    dropout_levels: int | None = bounded(None, minimum=0)
    resnet_blocks: int = bounded(9, minimum=0)  # ResNet generator: residual blocks (9 at 256 px, 6 at 128)
    sr_blocks: int = bounded(16, minimum=0)  # SRResNet: residual blocks (the paper's B = 16)
    patch_layers: int | None = bounded(None, minimum=1)  # PatchGAN stride-2 layers; None: 3 from 256 px (70 x 70
    # patches), 2 from 64 px (34 x 34), 1 below (16 x 16 at 28 and 32 px)
    gan_objective: AdversarialObjective | None = None  # None: nonsaturating (pix2pix, SRGAN), least squares (CycleGAN)
    # weight of G's adversarial term; 0: none. 1 as pix2pix and CycleGAN; SRGAN's 1e-3 (Ledig et al. 2017) is set
    # by the srgan presets (config/experiments/srgan*.yaml), not by method: srgan
    adversarial_weight: float = bounded(1.0, minimum=0.0)
    l1_weight: float = bounded(100.0, minimum=0.0)  # pix2pix: lambda of the L1 term (0: "cGAN alone")
    cycle_weight: float = bounded(10.0, minimum=0.0)  # cyclegan: lambda of the cycle terms
    cycle_forward: bool = True  # cyclegan: the A -> B -> A reconstruction term
    cycle_backward: bool = True  # cyclegan: the B -> A -> B reconstruction term
    identity_weight: float = bounded(0.5, minimum=0.0)  # cyclegan: identity term as a share of cycle_weight; 0: off
    pool_size: int = bounded(50, minimum=0)  # cyclegan: generated images D is shown from (Shrivastava et al. 2017)
    content_loss: ContentLoss = "pixel"  # srgan: MSE of pixels, or of the feature network's maps (VGG54 there)
    content_network: str | None = None  # srgan, features: weights of the feature network; None: the dataset's
    # digit classifier (the offline stand-in for VGG19, which needs ImageNet weights)
    init_from: str | None = None  # srgan: a model of this config (same dataset and seed) whose G starts this run
    # Optimisation: the pix2pix/CycleGAN authors' batch 1 and Adam(2e-4, 0.5) for every method; the SRGAN paper's
    # batch 16 and Adam(1e-4, 0.9) are set by the srgan presets. Settings a family shares (batch_size, lr, beta1)
    # mean the same in every family, so they cannot default differently per method.
    batch_size: int = bounded(1, minimum=1)
    steps: int = bounded(2000, minimum=1)  # generator updates
    lr: float = bounded(2e-4, exclusive_minimum=0.0)  # Adam, both networks
    beta1: float = bounded(0.5, minimum=0.0, exclusive_maximum=1.0)
    beta2: float = bounded(0.999, minimum=0.0, exclusive_maximum=1.0)
    decay_from: float | None = bounded(None, minimum=0.0, exclusive_maximum=1.0)  # linear lr decay to 0 from this
    # share of the steps on (CycleGAN: 0.5, "over the second half"); None: constant
    checkpoint_every: int = bounded(500, minimum=1)  # steps between resumable states
    log_every: int = bounded(10, minimum=1)  # steps between rows of the loss log
    divergence_bound: float | None = bounded(1e6, exclusive_minimum=0.0)  # a loss beyond it marks the run
    # diverged (as for the GANs); None: only non-finite losses do

    def __post_init__(self) -> None:
        defaults = METHOD_DEFAULTS[self.method]
        for key in ("generator", "norm", "gan_objective"):
            if getattr(self, key) is None:
                object.__setattr__(self, key, defaults[key])
        check_bounds(self)
        wanted = {
            "pix2pix": ("unet", "resnet"),
            "cyclegan": ("resnet", "unet"),
            "srgan": ("srresnet",),
            "bicubic": ("bicubic",),
        }[self.method]
        if self.generator not in wanted:
            raise SettingsError(
                f"generator {self.generator!r} does not fit method {self.method}; allowed values: {', '.join(wanted)}"
            )
        if self.method == "pix2pix" and self.adversarial_weight == 0 and self.l1_weight == 0:
            raise SettingsError("pix2pix with adversarial_weight 0 and l1_weight 0 has no loss; set one above 0")
        if (
            self.method == "cyclegan"
            and self.adversarial_weight == 0
            and not (self.cycle_forward or self.cycle_backward)
        ):
            raise SettingsError("cyclegan with adversarial_weight 0 and no cycle term has no loss; turn one on")
        if self.init_from is not None and self.method != "srgan":
            raise SettingsError(f"init_from applies to method srgan (SRGAN starts from SRResNet), not {self.method}")

    @property
    def monitor_every(self) -> int:
        """No FID-over-training curve: a translator's samples come from held-out data the trainer does not read."""
        return 0

    @property
    def data_kind(self) -> DataKind:
        """The kind of data this run trains on, decided by its method: paired, or unpaired for CycleGAN."""
        return METHOD_DEFAULTS[self.method]["data_kind"]  # type: ignore[return-value]

    def training_inputs(self, experiment: str) -> dict[str, str]:
        """The checkpoint of the run it starts from (`init_from`, SRGAN from SRResNet) and the feature network of a
        feature content loss (the dataset's classifier unless `content_network` names one)."""
        inputs = {}
        if self.init_from:
            inputs["init_checkpoint"] = paths.run(experiment, self.dataset, self.init_from, self.seed).checkpoint
        if self.content_loss == "features":
            inputs["content_network"] = self.content_network or paths.dataset(self.dataset).classifier
        return inputs

    def run_problem(self, models: list[str], spec: DataSpec) -> str | None:
        """Why the run cannot find what it starts from: the model of `init_from`, or its content loss's network."""
        if self.init_from is not None:
            if self.init_from not in models:
                return f"init_from {self.init_from!r} is not a model of this config; models: {', '.join(models)}"
            if self.init_from == self.model:
                return (
                    "init_from names the model itself; name the model whose generator starts this one (e.g. srresnet)"
                )
        if self.content_loss == "features":
            network = self.content_network
            if network is not None and not Path(network).is_file():
                return (
                    f"content_network {network} does not exist: the feature content loss needs its network; give the "
                    "path of a classifier checkpoint (python -m genlib train-classifier), or set content_loss: pixel"
                )
            if network is None and spec.num_classes < 2:
                return (
                    f"content_loss features reads the dataset's digit classifier, but {self.dataset} has no class "
                    "labels to train one; set content_network to a classifier checkpoint, or content_loss: pixel"
                )
        return None

    def patch_layers_for(self, size: int) -> int:
        """PatchGAN depth at this image size: the setting, or the published 70 x 70 field scaled down."""
        if self.patch_layers is not None:
            return self.patch_layers
        return 3 if size >= 256 else 2 if size >= 64 else 1

    def data_problem(self, spec: DataSpec) -> str | None:
        """Why this run's networks cannot take data of `spec`, or None when they can."""
        if spec.input_shape is None:
            return f"method {self.method} translates images, but {self.dataset} holds {spec.kind}"
        side, input_side = spec.shape[-1], spec.input_shape[-1]
        if self.method == "bicubic":
            if side % input_side or side == input_side:
                return f"bicubic upscaling needs an integer scale above 1; {self.dataset} goes from {input_side} to {side} px"
        elif self.method == "srgan":
            scale = side // input_side
            if input_side * scale != side or scale < 2 or scale & (scale - 1):
                return (
                    f"SRResNet upsamples by powers of two; {self.dataset} goes from {input_side} to {side} px: use a "
                    "super-resolution dataset (source mnist-downscaled or downscaled-folder) with upscale 2 or 4"
                )
        elif input_side != side:
            return (
                f"method {self.method} maps images to images of the same size; {self.dataset} goes from {input_side} "
                f"to {side} px: use method srgan for super-resolution"
            )
        if self.generator == "unet" and side < 28:
            return f"the U-Net needs images of at least 28 px; {self.dataset} has {side}"
        middle = math.ceil(math.log2(side)) - 2  # the U-Net's decoder blocks between innermost and outermost
        if self.generator == "unet" and self.dropout_levels is not None and self.dropout_levels > middle:
            return (
                f"dropout_levels {self.dropout_levels}: the U-Net at {side} px ({self.dataset}) has {middle} decoder "
                f"blocks between its innermost and outermost; set 0 to {middle}"
            )
        return None


SETTINGS = TranslationSettings
