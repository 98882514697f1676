"""The image-to-image family: pix2pix, CycleGAN and SRGAN, seeded and resumable, with every loss term logged.

A translator learns a map from domain A (inputs) to domain B (targets): from aligned pairs
(pix2pix, Isola et al. 2017; SRGAN, Ledig et al. 2017) or from two unpaired sets through a second
map back and cycle consistency (CycleGAN, Zhu et al. 2017). The update steps are in
genlib.translation.steps. Its samples are its translations of the dataset's held-out inputs,
labelled with their source class, so the evaluation can ask the digit classifier whether an output
kept its input's digit (the FCN-score analogue) and, for pairs, how close it is to the true target.

Resume is bit-identical: networks, optimisers, learning-rate schedules, the history pools and every
random state are in the checkpoint. An SRGAN run may start from another run's generator
(`init_from`, SRResNet as in the paper), read from `init_checkpoint` when training starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from genlib.config.catalogue import DataSpec
from genlib.data.kinds import kind_of
from genlib.families.interface import FamilyBase, SamplingModel, TrainingData
from genlib.families.translation.networks import build_critic, build_translator
from genlib.families.translation.settings import TranslationSettings
from genlib.io.checkpoint import load_checkpoint
from genlib.io.mosaic import save_png, tile
from genlib.io.pixels import to_pixels, to_unit_range
from genlib.networks.classifier import ConvClassifier
from genlib.training.device import Accelerator
from genlib.training.resumable import TrainResult
from genlib.training.template import CheckpointFormat, RunTraining, train_resumably
from genlib.translation.pool import ImagePool
from genlib.translation.steps import (
    AdversarialLoss,
    CycleGANNets,
    cyclegan_step,
    feature_content,
    pix2pix_step,
    pixel_content,
    srgan_step,
)

log = logging.getLogger(__name__)

CHECKPOINT = CheckpointFormat("translation", "genlib.translation/1")
LOSS_COLUMNS = ("step", "d_loss", "g_loss", "g_adversarial", "g_l1", "g_cycle", "g_identity", "g_content")


def linear_decay(settings: TranslationSettings) -> Callable[[int], float]:
    """The learning-rate factor after `step` optimiser steps: 1, then linearly to 0 from `decay_from` x steps on
    (the authors' "linear" policy, per step instead of per epoch)."""
    if settings.decay_from is None:
        return lambda step: 1.0
    start = int(settings.decay_from * settings.steps)
    return lambda step: 1.0 - max(0, step - start) / float(settings.steps - start + 1)


class TranslationTraining(RunTraining):
    """The state of one image-to-image run in training: networks, optimisers, schedules, pools, data, random generator."""

    def __init__(
        self,
        settings: TranslationSettings,
        data: TrainingData,
        accelerator: Accelerator,
        *,
        content_network: nn.Module | None = None,
    ):
        if data.targets is None:
            raise ValueError(f"{settings.dataset} holds one image set; a translator needs its A and B domains")
        self.settings, self.spec, self.accelerator = settings, data.spec, accelerator
        self.device = device = accelerator.device
        torch.manual_seed(settings.seed)  # initialisation and dropout
        self.rng = torch.Generator(device=device).manual_seed(settings.seed)  # batches and the history pools
        self.loss = AdversarialLoss(settings.gan_objective)
        spec = data.spec
        self.g = accelerator.prepare(build_translator(settings, spec))
        self.d = accelerator.prepare(build_critic(settings, spec, domain="b"))
        generators, critics = [self.g], [self.d]
        self.cycle: CycleGANNets | None = None
        if settings.method == "cyclegan":
            self.g_ba = accelerator.prepare(build_translator(settings, spec, reverse=True))
            self.d_a = accelerator.prepare(build_critic(settings, spec, domain="a"))
            generators.append(self.g_ba)
            critics.append(self.d_a)
        betas = (settings.beta1, settings.beta2)
        self.opt_g = torch.optim.Adam([p for g in generators for p in g.parameters()], lr=settings.lr, betas=betas)
        self.opt_d = torch.optim.Adam([p for d in critics for p in d.parameters()], lr=settings.lr, betas=betas)
        self.schedules = [
            torch.optim.lr_scheduler.LambdaLR(o, linear_decay(settings)) for o in (self.opt_g, self.opt_d)
        ]
        self.parts: dict[str, Any] = {
            "generator": self.g,
            "discriminator": self.d,
            "opt_g": self.opt_g,
            "opt_d": self.opt_d,
            "schedule_g": self.schedules[0],
            "schedule_d": self.schedules[1],
        }
        if settings.method == "cyclegan":
            self.cycle = CycleGANNets(
                self.g, self.g_ba, self.d_a, self.d, self.opt_g, self.opt_d, ImagePool(settings.pool_size),
                ImagePool(settings.pool_size),
            )  # fmt: skip
            self.parts.update(
                generator_ba=self.g_ba, discriminator_a=self.d_a, pool_a=self.cycle.pool_a, pool_b=self.cycle.pool_b
            )
        self.content = pixel_content
        if settings.method == "srgan" and settings.content_loss == "features":
            if content_network is None:
                raise ValueError(
                    f"model {settings.model}: content_loss features needs its feature network (content_network); "
                    "none was given"
                )
            self.content = feature_content(content_network.to(device))
        self.a, self.b = data.samples.to(device), data.targets.to(device)
        self.watched = (self.g, self.d)

    def train_mode(self) -> None:
        for network in (self.g, self.d, *([self.g_ba, self.d_a] if self.cycle else [])):
            network.train()

    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """A minibatch of inputs and targets in [-1, 1]: aligned pairs, or independent draws from each domain."""
        size, rng, device = self.settings.batch_size, self.rng, self.device
        index_a = torch.randint(0, len(self.a), (size,), generator=rng, device=device)
        if kind_of(self.settings.data_kind).aligned:
            index_b = index_a
        else:
            index_b = torch.randint(0, len(self.b), (size,), generator=rng, device=device)
        return TrainingData.batch_of(self.a, index_a), TrainingData.batch_of(self.b, index_b)

    def iteration(self, step: int) -> tuple[dict[str, float], dict[str, str]]:
        """One update of the method's networks on one minibatch, then one step of the learning-rate schedules."""
        settings = self.settings
        real_a, real_b = self.batch()
        with self.accelerator.autocast():
            if settings.method == "pix2pix":
                terms = pix2pix_step(
                    self.g, self.d, self.opt_g, self.opt_d, self.loss, real_a, real_b,
                    adversarial_weight=settings.adversarial_weight, l1_weight=settings.l1_weight,
                )  # fmt: skip
            elif settings.method == "cyclegan":
                terms = cyclegan_step(
                    self.cycle, self.loss, real_a, real_b, self.rng,
                    adversarial_weight=settings.adversarial_weight, cycle_weight=settings.cycle_weight,
                    cycle_forward=settings.cycle_forward, cycle_backward=settings.cycle_backward,
                    identity_weight=settings.identity_weight,
                )  # fmt: skip
            else:
                terms = srgan_step(
                    self.g, self.d, self.opt_g, self.opt_d, self.loss, real_a, real_b, self.content,
                    adversarial_weight=settings.adversarial_weight,
                )  # fmt: skip
        for schedule in self.schedules:
            schedule.step()
        row = {column: 0.0 for column in LOSS_COLUMNS} | terms | {"step": step}
        return row, {"d": f"{row['d_loss']:.3f}", "g": f"{row['g_loss']:.3f}"}

    def start_from(self, checkpoint_path: str | Path) -> None:
        """SRGAN: begin with the generator of another run (SRResNet), as Ledig et al. 2017 (Sec. 3.2) do."""
        saved = load_checkpoint(checkpoint_path)
        if saved.get("family") != "translation" or saved["settings"].get("method") != "srgan":
            raise ValueError(f"{checkpoint_path} does not hold a super-resolution network to start from")
        self.g.load_state_dict(saved["generator"])
        log.info("generator initialised from %s", checkpoint_path)


def classifier_features(path: str | Path) -> nn.Module:
    """The maps of the last convolution stage of the pipeline's classifier, before pooling, in eval mode: the
    analogue of SRGAN's VGG54 (Ledig et al. 2017, eq. 5)."""
    saved = load_checkpoint(path)
    classifier = ConvClassifier(image_shape=tuple(saved["image_shape"]), num_classes=saved["num_classes"])
    classifier.load_state_dict(saved["weights"])
    return classifier.eval().body[:-2]


class FixedUpscaler(RunTraining):
    """The bicubic baseline in training: nothing to learn; its checkpoint names the upscaler."""

    def __init__(self, settings: TranslationSettings):
        self.settings, self.rng = settings, torch.Generator()
        self.parts, self.watched = {"generator": nn.Module()}, ()

    @property
    def steps(self) -> int:
        return 0


def train_translator(
    settings: TranslationSettings,
    data: TrainingData,
    checkpoint_path: str | Path,
    losses_path: str | Path,
    *,
    init_checkpoint: str | Path | None = None,
    content_network: str | Path | nn.Module | None = None,
    **options: Any,
) -> TrainResult:
    """Train one translator on `data` and write its final checkpoint and loss log atomically (resumably).

    `init_checkpoint`: the run whose generator this one starts from (`init_from`); `content_network`: the
    feature network of a feature content loss, or the classifier checkpoint it is read from. `options` are those of genlib.training.template.train_resumably.
    """
    if settings.init_from is not None and init_checkpoint is None:
        raise ValueError(
            f"model {settings.model} starts from model {settings.init_from} (init_from): give its checkpoint"
        )

    def build(accelerator: Accelerator) -> RunTraining:
        if settings.method == "bicubic":
            return FixedUpscaler(settings)
        features = content_network
        if isinstance(content_network, (str, Path)):
            features = classifier_features(content_network)
        training = TranslationTraining(settings, data, accelerator, content_network=features)
        if init_checkpoint is not None:
            training.start_from(init_checkpoint)
        return training

    return train_resumably(
        CHECKPOINT, settings, data, checkpoint_path, losses_path, build, columns=LOSS_COLUMNS, **options
    )


class TestTimeTranslator(nn.Module):
    """pix2pix's generator as its authors sample it: dropout on and batch norm on the statistics of the test
    batch (Isola et al. 2017, Sec. 3.3), with a fixed seed so that the samples are reproducible."""

    def __init__(self, generator: nn.Module, batch: int, seed: int = 0):
        super().__init__()
        self.generator, self.batch, self.seed = generator, batch, seed

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        self.generator.train()
        devices = [x.device] if x.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self.seed)
            return torch.cat([self.generator(part) for part in x.split(self.batch)])


class Translator(nn.Module):
    """A trained map A -> B in eval mode, with the (x, labels) call every sampling model's generator has."""

    def __init__(self, generator: nn.Module):
        super().__init__()
        self.generator = generator.eval()

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.generator(x)


def held_out(data_dir: Path, *, reverse: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, str]:
    """Inputs (in [-1, 1]) and labels of the prepared test split (domain A, or B when `reverse`), the paired
    targets (uint8; None for unpaired data or the way back), and the data's kind."""
    from genlib.data.translation import load_translation, load_translation_meta

    test, kind = load_translation(data_dir, "test"), load_translation_meta(data_dir)["kind"]
    source, labels = (test.b, test.labels_b) if reverse else (test.a, test.labels_a)
    targets = torch.from_numpy(test.b) if kind_of(kind).aligned and not reverse else None
    return to_unit_range(torch.from_numpy(source)), torch.from_numpy(labels), targets, kind


class TranslationFamily(FamilyBase):
    """Image-to-image translation: pix2pix and SRGAN on pairs, CycleGAN on unpaired domains."""

    name = "translation"
    settings_class = TranslationSettings
    data_kinds = ("paired", "unpaired")
    loss_plots = {"d_loss": "discriminator loss", "g_loss": "generator loss (all terms, weighted)"}
    loss_labels = {
        "d_loss": "D loss",
        "g_loss": "G loss",
        "g_adversarial": "G adversarial term",
        "g_l1": "G L1 term",
        "g_cycle": "G cycle terms",
        "g_identity": "G identity terms",
        "g_content": "G content term",
    }
    training_inputs = {
        "init_checkpoint": "the checkpoint whose generator starts the run (init_from: SRGAN from SRResNet)",
        "content_network": "the classifier checkpoint whose features make the content loss (content_loss: features)",
    }

    def train(
        self,
        settings: TranslationSettings,
        data: TrainingData,
        checkpoint_path: str | Path,
        losses_path: str | Path,
        **options: Any,
    ) -> TrainResult:
        return train_translator(settings, data, checkpoint_path, losses_path, **options)

    def sampling_model(
        self,
        checkpoint: dict[str, Any],
        overrides: dict[str, Any] | None = None,
        *,
        data_dir: Path | None = None,
        reverse: bool = False,
    ) -> SamplingModel:
        if data_dir is None:
            raise ValueError(
                "a translator's samples are its translations of held-out inputs: give the prepared dataset"
            )
        settings, spec = self.settings_of(checkpoint), DataSpec.from_dict(checkpoint["data_spec"])
        generator = build_translator(settings, spec, reverse=reverse)
        generator.load_state_dict(checkpoint["generator_ba" if reverse else "generator"])
        inputs, labels, targets, kind = held_out(data_dir, reverse=reverse)
        if kind != spec.kind:
            raise ValueError(f"{data_dir} holds {kind} data, but the checkpoint was trained on {spec.kind} data")
        wrapped = (
            TestTimeTranslator(generator, settings.batch_size)
            if settings.method == "pix2pix"
            else Translator(generator)
        )
        round_trip = None
        if settings.method == "cyclegan" and not reverse:
            back = build_translator(settings, spec, reverse=True)
            back.load_state_dict(checkpoint["generator_ba"])
            round_trip = Translator(back)
        return SamplingModel(
            wrapped,
            tuple(inputs.shape[1:]),
            0,
            inputs=inputs,
            input_labels=labels,
            targets=targets,
            round_trip=round_trip,
        )

    def describe(self, settings: dict[str, Any]) -> str:
        return settings["method"]

    def identity(self, settings: dict[str, Any]) -> dict[str, Any]:
        return {"network": settings["generator"], "conditioning": "none"}

    def draw_picture(
        self, name: str, checkpoint: dict[str, Any], data_dir: Path, out: Path, *, device: torch.device
    ) -> None:
        """translations: rows of input | output | target; CycleGAN adds the way back and the reconstruction
        (a, G(a), F(G(a)) | b, F(b), G(F(b))); SRGAN sets bicubic upscaling beside its output, zoomed."""
        if name != "translations":
            raise self.unknown_picture(name)
        from genlib.data.translation import bicubic_upscale

        settings = self.settings_of(checkpoint)
        forward = self.sampling_model(checkpoint, data_dir=data_dir).to(device)
        rows = 8
        inputs, _ = forward.draw(rows, torch.Generator())
        outputs = _translated(forward.generator, inputs.to(device))
        size = outputs.shape[-1]
        columns = [_pixels(inputs).repeat(size // inputs.shape[-1], -2).repeat(size // inputs.shape[-1], -1)]
        if settings.method == "srgan":
            columns.append(bicubic_upscale(_pixels(inputs), size // inputs.shape[-1]))
            columns += [_pixels(outputs), forward.drawn_targets(rows).numpy()]
            columns = [_zoomed_centre(c, zoom=2) for c in columns]
        elif settings.method == "cyclegan":
            backward = self.sampling_model(checkpoint, data_dir=data_dir, reverse=True).to(device)
            b, _ = backward.draw(rows, torch.Generator())
            b_to_a = _translated(backward.generator, b.to(device))
            columns += [
                _pixels(outputs),
                _pixels(_translated(backward.generator, outputs)),  # F(G(a))
                _pixels(b),
                _pixels(b_to_a),
                _pixels(_translated(forward.generator, b_to_a)),  # G(F(b))
            ]
        else:
            columns += [_pixels(outputs), forward.drawn_targets(rows).numpy()]
        save_png(tile(np.stack(columns, 1).reshape(-1, *columns[0].shape[1:]), len(columns)), out)


@torch.no_grad()
def _translated(generator: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return generator(x).float()


def _pixels(images: torch.Tensor) -> np.ndarray:
    """Images in [-1, 1] -> uint8 (N, C, H, W), rounded as the data was stored."""
    return to_pixels(images.detach()).cpu().numpy()


def _zoomed_centre(images: np.ndarray, zoom: int) -> np.ndarray:
    """The central 1/zoom of each image (N, C, H, W), enlarged back to H x W by pixel repetition."""
    h = images.shape[-1]
    crop = h // zoom
    start = (h - crop) // 2
    centre = images[..., start : start + crop, start : start + crop]
    return centre.repeat(zoom, -2).repeat(zoom, -1)


FAMILY = TranslationFamily()
