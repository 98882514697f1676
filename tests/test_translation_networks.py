"""Networks of image-to-image translation: shapes at the sizes the pipeline trains, patch fields, parameter counts."""

import pytest
import torch

from genlib.networks.translation import (
    PatchDiscriminator,
    ResNetGenerator,
    SRGANDiscriminator,
    SRResNet,
    UNetGenerator,
    patch_receptive_field,
)


@pytest.mark.parametrize(("size", "layers", "patches"), [(28, 1, 12), (32, 1, 14), (64, 2, 14), (256, 3, 30)])
def test_unet_keeps_the_image_size_and_patchgan_scores_a_grid_of_patches(size, layers, patches):
    torch.manual_seed(0)
    x = torch.randn(2, 1, size, size)
    unet = UNetGenerator(in_channels=1, out_channels=3, size=size, width=8)
    y = unet(x)
    assert y.shape == (2, 3, size, size) and y.abs().max() <= 1
    scores = PatchDiscriminator(in_channels=4, width=8, layers=layers)(torch.cat([x, y], 1))
    assert scores.shape == (2, 1, patches, patches)  # 30 x 30 at 256 px, as pix2pix's 70 x 70 PatchGAN


def test_the_unet_at_256_px_has_pix2pix_s_54_million_parameters():
    unet = UNetGenerator(in_channels=3, out_channels=3, size=256)
    assert sum(p.numel() for p in unet.parameters()) == 54_413_955


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_patch_receptive_field_matches_the_input_pixels_one_output_depends_on(layers):
    # measured by backpropagation: the input pixels with a non-zero gradient of one central output
    torch.manual_seed(0)
    # batch norm in eval mode: fixed statistics, so no pixel reaches the output through the normalisation
    d = PatchDiscriminator(in_channels=1, width=4, layers=layers, norm="batch").double().eval()
    x = torch.randn(1, 1, 160, 160, dtype=torch.float64, requires_grad=True)
    out = d(x)
    centre = out.shape[-1] // 2
    out[0, 0, centre, centre].backward()
    rows = (x.grad[0, 0].abs().sum(1) > 0).nonzero()
    assert rows.max() - rows.min() + 1 == patch_receptive_field(layers)
    assert patch_receptive_field(3) == 70


def test_the_unet_pads_a_28_px_image_and_each_output_pixel_sees_the_whole_input_through_its_bottleneck():
    torch.manual_seed(0)
    unet = UNetGenerator(in_channels=1, out_channels=1, size=28, width=4, dropout=0.0).eval()
    x = torch.randn(1, 1, 28, 28, requires_grad=True)
    unet(x)[0, 0, 0, 0].backward()
    assert (x.grad != 0).all()  # down to 1 x 1: a corner output depends on every input pixel


@pytest.mark.parametrize("size", [28, 32])
def test_resnet_generator_keeps_the_size(size):
    g = ResNetGenerator(in_channels=1, out_channels=1, width=8, blocks=2)
    assert g(torch.randn(2, 1, size, size)).shape == (2, 1, size, size)


@pytest.mark.parametrize(("low", "scale"), [(7, 4), (14, 2), (64, 4)])
def test_srresnet_upsamples_by_the_scale_and_its_discriminator_gives_one_score_per_image(low, scale):
    sr = SRResNet(channels=1, scale=scale, width=8, blocks=2)
    high = sr(torch.randn(2, 1, low, low))
    assert high.shape == (2, 1, low * scale, low * scale)
    assert SRGANDiscriminator(channels=1, size=low * scale, width=8)(high).shape == (2,)


def test_srresnet_refuses_a_scale_that_is_not_a_power_of_two():
    with pytest.raises(ValueError, match="scale must be a power of two, got 7"):
        SRResNet(channels=1, scale=7)


@pytest.mark.parametrize(
    ("size", "levels", "expected"),
    [(256, None, 3), (64, None, 1), (32, None, 0), (28, None, 0), (32, 3, 3), (28, 2, 2)],
)
def test_unet_dropout_sits_in_the_authors_blocks_or_the_levels_asked_with_rate_one_half(size, levels, expected):
    unet = UNetGenerator(in_channels=1, out_channels=1, size=size, width=2, dropout_levels=levels)
    dropouts = [m for m in unet.modules() if isinstance(m, torch.nn.Dropout)]
    assert len(dropouts) == expected and all(m.p == 0.5 for m in dropouts)  # a rate, not True (p = 1)


def test_a_cpu_sized_unet_with_dropout_levels_is_random_in_training_and_at_the_authors_test_time():
    torch.manual_seed(0)
    unet = UNetGenerator(in_channels=1, out_channels=1, size=28, width=4, dropout_levels=3)
    x = torch.randn(1, 1, 28, 28)
    with torch.no_grad():
        assert not torch.equal(unet.train()(x), unet(x))  # pix2pix test.py keeps train mode (no --eval): noise
        assert torch.equal(unet.eval()(x), unet(x))
    with pytest.raises(ValueError, match="dropout_levels 4: the U-Net at 28 px has 3 decoder blocks"):
        UNetGenerator(in_channels=1, out_channels=1, size=28, dropout_levels=4)
