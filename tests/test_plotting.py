"""Image grids: every image lands in its own tile, with one pixel of border."""

import matplotlib
import torch

from lecturecode.plotting import colour_grid, image_grid

matplotlib.use("Agg")


def test_image_grid_places_each_image_in_its_tile():
    images = torch.arange(3).repeat_interleave(64).reshape(3, 64).float()
    canvas = torch.as_tensor(image_grid(images, columns=2).images[0].get_array())
    assert canvas.shape == (2 * 9 + 1, 2 * 9 + 1)
    assert (canvas[1:9, 1:9] == 0).all() and (canvas[1:9, 10:18] == 1).all()
    assert (canvas[10:18, 1:9] == 2).all()
    assert canvas[10:18, 10:18].isnan().all() and canvas[0].isnan().all()


def test_colour_grid_scales_levels_to_unit_intensity_on_white():
    images = torch.full((1, 8 * 8 * 3), 3)
    canvas = torch.as_tensor(colour_grid(images, levels=4).images[0].get_array())
    assert canvas.shape == (10, 10 * 9 + 1, 3)
    assert (canvas == 1).all()  # level 3 of 4 is full intensity, the border white
