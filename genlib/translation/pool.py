"""The history of generated images CycleGAN's discriminators are shown (Shrivastava et al. 2017, Sec. 2.3).

As the authors' `ImagePool` (junyanz/pytorch-CycleGAN-and-pix2pix, util/image_pool.py): until the
pool holds `size` images every generated image is stored and returned as it is; after that, each
one, with probability 1/2, takes the place of a stored image picked at random and the stored image
is returned instead; otherwise it is returned itself. D then sees a mix of the current generator's
images and older ones, which damps oscillation. The draws come from the run's seeded generator, and
the pool is part of the resumable state.
"""

from __future__ import annotations

from typing import Any

import torch


class ImagePool:
    """A buffer of up to `size` generated images; `size` 0 passes every image through."""

    def __init__(self, size: int):
        self.size = size
        self.images: list[torch.Tensor] = []  # each (C, H, W), detached

    def query(self, images: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        """The batch D is shown for the generated `images` (B, C, H, W)."""
        if self.size == 0:
            return images
        shown = []
        for image in images.detach():
            if len(self.images) < self.size:  # filling: keep it and show it
                self.images.append(image.clone())
                shown.append(image)
            elif torch.rand((), generator=rng, device=rng.device).item() > 0.5:  # swap with a stored one
                index = int(torch.randint(0, self.size, (), generator=rng, device=rng.device))
                shown.append(self.images[index].clone())
                self.images[index] = image.clone()
            else:
                shown.append(image)
        return torch.stack(shown)

    def state_dict(self) -> dict[str, Any]:
        stored = torch.stack(self.images) if self.images else torch.zeros(0)
        return {"size": self.size, "images": stored}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.size = int(state["size"])
        self.images = list(state["images"].unbind(0)) if state["images"].numel() else []
