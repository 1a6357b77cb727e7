"""PixelCNN (lecture 18.2.5): masks against their definitions, the autoregressive
property in raster and colour order by gradients (for every output sub-pixel),
the blind spot against the connectivity the masks imply, exact normalization by
enumeration, samples against exact probabilities, completion, the colour data
and input validation."""

import itertools
import math

import pytest
import torch
from scipy import stats

from lecturecode.autoregressive import (
    GatedPixelCNN,
    PixelCNN,
    allowed_inputs,
    channel_groups,
    channel_mask,
    complete,
    horizontal_mask,
    mask_A,
    mask_B,
    pixelcnn_mask,
    receptive_field,
    total_probability,
    vertical_mask,
)
from lecturecode.data import (
    colour_consistency,
    hue_to_rgb,
    load_digits,
    tinted_digits,
)
from lecturecode.runtime import perturb_parameters

F64 = torch.float64
MODELS = {"plain": PixelCNN, "gated": GatedPixelCNN}


def generic(model, seed=0, scale=0.3):
    """A float64 copy with every parameter moved off its initialisation."""
    return perturb_parameters(
        model.double(), scale, torch.Generator().manual_seed(seed)
    )


def small(name, shape=(3, 4), colours=3, levels=4, layers=3, **kw):
    torch.manual_seed(0)  # the initial weights, before generic() moves them
    return generic(
        MODELS[name](shape, colours, levels, channels=6, layers=layers, **kw)
    )


def all_configurations(dim, levels):
    """Every vector in ``{0..levels-1}^dim``, float64, one per row."""
    rows = list(itertools.product(range(levels), repeat=dim))
    return torch.tensor(rows, dtype=F64)


# Masks against their definitions ----------------------------------------------


@pytest.mark.parametrize("k", [1, 3, 5, 7])
def test_mask_A_and_mask_B_follow_their_definitions(k):
    A, B = mask_A(k), mask_B(k)
    c = k // 2
    for i in range(k):
        for j in range(k):
            before = i < c or (i == c and j < c)  # raster order
            assert A[i, j] == (1 if before else 0)
            assert B[i, j] == (1 if before or (i, j) == (c, c) else 0)


def test_channel_rule_of_pixelrnn():
    """Six hidden channels in three groups R R G G B B; at the centre, group g
    sees groups before it (mask A) or up to itself (mask B)."""
    groups = channel_groups(6, 3)
    assert groups.tolist() == [0, 0, 1, 1, 2, 2]
    A, B = channel_mask("A", groups, groups), channel_mask("B", groups, groups)
    for o, i in itertools.product(range(6), range(6)):
        assert A[o, i] == (groups[i] < groups[o])
        assert B[o, i] == (groups[i] <= groups[o])
    # First layer: the input has one channel per colour. R sees no colour of
    # its own pixel, G sees R, B sees R and G.
    first = channel_mask("A", groups, torch.arange(3))
    assert first.tolist() == [[0, 0, 0]] * 2 + [[1, 0, 0]] * 2 + [[1, 1, 0]] * 2


@pytest.mark.parametrize("kind, spatial", [("A", mask_A), ("B", mask_B)])
def test_one_colour_masks_reduce_to_mask_A_and_B(kind, spatial):
    one = torch.zeros(4, dtype=torch.long)
    full = pixelcnn_mask(kind, one, one[:2], 5)
    assert full.shape == (4, 2, 5, 5)
    assert torch.equal(full, spatial(5).expand(4, 2, 5, 5))


def test_full_colour_mask_away_from_the_centre_ignores_colours():
    groups = channel_groups(3, 3)
    full = pixelcnn_mask("A", groups, groups, 3)
    off_centre = full.clone()
    off_centre[:, :, 1, 1] = 0
    assert torch.equal(off_centre, (mask_A(3) * 1).expand(3, 3, 3, 3) * 1.0)
    assert torch.equal(full[:, :, 1, 1], channel_mask("A", groups, groups))


def test_vertical_and_horizontal_masks():
    assert vertical_mask(3, centre_row=False).tolist() == [
        [1, 1, 1],
        [0, 0, 0],
        [0, 0, 0],
    ]
    assert vertical_mask(5, centre_row=True)[:3].sum() == 15
    assert vertical_mask(5, centre_row=True)[3:].sum() == 0
    one = torch.zeros(1, dtype=torch.long)
    assert horizontal_mask("A", one, one, 5).flatten().tolist() == [1, 1, 0, 0, 0]
    assert horizontal_mask("B", one, one, 5).flatten().tolist() == [1, 1, 1, 0, 0]


# The autoregressive property, by gradients ---------------------------------------


def connectivity(model):
    """What each output sub-pixel of a plain PixelCNN can reach through its
    masks, computed from the masks alone (sets of input sub-pixels, propagated
    layer by layer): an independent account of the receptive field, blind spot
    included. Returns ``{(row, col, colour): set of (row, col, colour)}``."""
    H, W = model.shape
    C = model.colours

    def layer(sets, conv, residual):
        mask = conv.mask.bool()  # (out, in, k, k)
        _, _, k, _ = mask.shape
        new = {}
        for r, c, o in itertools.product(range(H), range(W), range(mask.shape[0])):
            seen = set(sets[(r, c, o)]) if residual else set()
            for i, dr, dc in itertools.product(
                range(mask.shape[1]), range(k), range(k)
            ):
                rr, cc = r + dr - k // 2, c + dc - k // 2
                if mask[o, i, dr, dc] and 0 <= rr < H and 0 <= cc < W:
                    seen |= sets[(rr, cc, i)]
            new[(r, c, o)] = seen
        return new

    sets = {
        (r, c, ch): {(r, c, ch)}
        for r in range(H)
        for c in range(W)
        for ch in range(C)
    }
    sets = layer(sets, model.first, residual=False)
    for conv in model.hidden:
        sets = layer(sets, conv, residual=True)
    for conv in (model.out[1], model.out[3]):
        sets = layer(sets, conv, residual=False)
    outputs = model.outputs
    return {
        (r, c, ch): set().union(
            *(sets[(r, c, ch * outputs + j)] for j in range(outputs))
        )
        for r in range(H)
        for c in range(W)
        for ch in range(C)
    }


def as_set(field):
    return {tuple(index) for index in field.nonzero().tolist()}


AR_CASES = [
    ("plain", 3, 4, {"first_kernel": 5}),
    ("plain", 3, 4, {"first_kernel": 3}),
    ("plain", 1, 2, {"first_kernel": 3}),
    ("plain", 1, 5, {"first_kernel": 5}),
    ("plain", 3, 4, {"first_kernel": 3, "position_bias": True}),
    ("gated", 3, 4, {}),
    ("gated", 3, 4, {"position_bias": True}),
    ("gated", 1, 2, {}),
    ("gated", 1, 5, {}),
]


@pytest.mark.parametrize("name, colours, levels, kw", AR_CASES)
def test_every_output_sees_exactly_what_it_should(name, colours, levels, kw):
    """For every output (pixel, channel) of a 3 x 4 image: zero gradient on
    every input at or after it in the ordering (raster order, then R, G, B).
    Nonzero on every earlier input for the gated model (no blind spot); for
    the plain model, nonzero exactly where its masks connect (so the blind
    spot is all that is missing)."""
    model = small(name, colours=colours, levels=levels, **kw)
    reach = connectivity(model) if name == "plain" else None
    generator = torch.Generator().manual_seed(0)
    for r, c, ch in itertools.product(range(3), range(4), range(colours)):
        seen = receptive_field(model, (r, c), ch, generator=generator)
        allowed = allowed_inputs((3, 4), colours, (r, c), ch)
        assert not (seen & ~allowed).any(), f"output {(r, c, ch)} sees the future"
        if name == "gated":
            assert torch.equal(seen, allowed), f"output {(r, c, ch)} is blind"
        else:
            assert as_set(seen) == reach[(r, c, ch)], f"output {(r, c, ch)}"


def test_plain_pixelcnn_has_a_blind_spot_that_gated_does_not():
    """3 x 3 kernels: pixel (r - 1, c + 2) comes before (r, c) but a stack of
    mask-B layers never reaches it, however deep."""
    shape, pixel = (7, 7), (4, 2)
    plain = generic(PixelCNN(shape, channels=4, layers=6, first_kernel=3))
    gated = generic(GatedPixelCNN(shape, channels=4, layers=6))
    plain_field = receptive_field(plain, pixel)[..., 0]
    gated_field = receptive_field(gated, pixel)[..., 0]
    allowed = allowed_inputs(shape, 1, pixel)[..., 0]
    assert allowed[3, 4] and not plain_field[3, 4] and gated_field[3, 4]
    assert (allowed & ~plain_field).sum() >= 5
    assert torch.equal(gated_field, allowed)


def test_gradient_check_catches_a_first_layer_that_sees_itself():
    model = small("plain", colours=3)
    groups = channel_groups(6, 3)
    model.first.mask = pixelcnn_mask("B", groups, torch.arange(3), 5)
    seen = receptive_field(model, (1, 1), 0)
    assert seen[1, 1, 0]  # the R output now sees its own input
    assert not torch.equal(seen, seen & allowed_inputs((3, 4), 3, (1, 1), 0))


# Exact normalization ----------------------------------------------------------


@pytest.mark.parametrize("name", list(MODELS))
def test_all_512_binary_3x3_images_sum_to_one(name):
    model = generic(MODELS[name]((3, 3), channels=8, layers=2), seed=3, scale=0.5)
    assert total_probability(model.log_prob, 9) == pytest.approx(1, abs=1e-10)


def test_a_model_that_sees_itself_is_not_normalized():
    model = generic(PixelCNN((3, 3), channels=8, layers=2), seed=3, scale=0.5)
    model.first.mask = pixelcnn_mask("B", torch.zeros(8), torch.zeros(1), 5)
    assert abs(total_probability(model.log_prob, 9) - 1) > 1e-3


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize(
    "shape, colours, levels", [((2, 2), 1, 3), ((2, 1), 3, 2), ((1, 2), 3, 3)]
)
def test_categorical_and_colour_models_sum_to_one(name, shape, colours, levels):
    model = small(name, shape=shape, colours=colours, levels=levels, layers=2)
    x = all_configurations(model.dim, levels)
    with torch.no_grad():
        total = torch.logsumexp(model.log_prob(x), 0).exp().item()
    assert total == pytest.approx(1, abs=1e-10)


# Sampling and completion ---------------------------------------------------------


def codes(x, levels):
    weights = levels ** torch.arange(x.shape[1] - 1, -1, -1, dtype=F64)
    return (x.double() * weights).sum(1).long()


def chi_square_pvalue(samples, probabilities, levels):
    """Pearson's test of the sample counts against the exact probabilities,
    with the cells expected fewer than 5 times pooled into one (the test's
    approximation needs expected counts of about 5 or more)."""
    counts = torch.bincount(codes(samples, levels), minlength=len(probabilities))
    expected = probabilities * len(samples)
    rare = expected < 5
    observed = torch.cat([counts[~rare].double(), counts[rare].sum().view(1)])
    expected = torch.cat([expected[~rare], expected[rare].sum().view(1)])
    return stats.chisquare(observed.numpy(), expected.numpy()).pvalue


@pytest.mark.parametrize("name", list(MODELS))
def test_colour_samples_match_exact_probabilities(name):
    """One RGB pixel with 3 levels: 27 colours, sampled R, then G, then B."""
    model = small(name, shape=(1, 1), colours=3, levels=3, layers=2)
    perturb_parameters(model, 1.0, torch.Generator().manual_seed(5))
    x = all_configurations(3, 3)
    with torch.no_grad():
        probabilities = model.log_prob(x).exp()
    samples = model.sample(20_000, torch.Generator().manual_seed(6))
    assert chi_square_pvalue(samples, probabilities, 3) > 1e-3
    shuffled = probabilities[torch.randperm(27, generator=torch.Generator())]
    assert chi_square_pvalue(samples, shuffled, 3) < 1e-6


def test_completion_keeps_the_known_part_and_samples_the_conditional():
    model = small("gated", shape=(2, 2), colours=1, levels=3, layers=2)
    perturb_parameters(model, 1.0, torch.Generator().manual_seed(7))
    known = torch.tensor([True, True, False, False])  # the upper half
    x = torch.tensor([[2.0, 1.0, 0.0, 0.0]], dtype=F64).expand(20_000, -1)
    completed = complete(model, x, known, torch.Generator().manual_seed(8))
    assert torch.equal(completed[:, :2], x[:, :2])
    # p(x_3, x_4 | x_1 = 2, x_2 = 1) from the joint, by enumeration.
    lower = all_configurations(2, 3)
    joint = torch.cat([x[:9, :2], lower], 1)
    with torch.no_grad():
        conditional = torch.softmax(model.log_prob(joint), 0)
    assert chi_square_pvalue(completed[:, 2:], conditional, 3) > 1e-3


def test_completion_needs_the_known_part_first_in_the_ordering():
    model = small("plain", shape=(2, 2), colours=1, levels=2)
    with pytest.raises(ValueError, match="must come first"):
        complete(model, torch.zeros(1, 4, dtype=F64), torch.tensor([0, 1, 1, 0]))


# Input validation -----------------------------------------------------------


@pytest.mark.parametrize("name", list(MODELS))
def test_bad_inputs_raise_value_errors(name):
    binary = MODELS[name]((2, 2), channels=4, layers=1)
    with pytest.raises(ValueError, match="binary"):
        binary.log_prob(torch.tensor([[0.0, 0.5, 1.0, 1.0]]))
    with pytest.raises(ValueError, match=r"shape \(batch, 4\)"):
        binary.log_prob(torch.zeros(2, 5))
    with pytest.raises(ValueError, match=r"shape \(batch, 4\)"):
        binary.log_prob(torch.zeros(2, 2, 2))
    with pytest.raises(ValueError, match="NaN"):
        binary.log_prob(torch.tensor([[0.0, math.nan, 1.0, 1.0]]))
    grey = MODELS[name]((2, 2), levels=17, channels=4, layers=1)
    with pytest.raises(ValueError, match="integer levels 0..16"):
        grey.log_prob(torch.tensor([[0.0, 17.0, 1.0, 1.0]]))
    with pytest.raises(ValueError, match="integer levels 0..16"):
        grey.log_prob(torch.tensor([[0.0, 2.5, 1.0, 1.0]]))
    with pytest.raises(ValueError, match="integer levels 0..16"):
        grey.log_prob(torch.tensor([[0.0, -1.0, 1.0, 1.0]]))
    with pytest.raises(ValueError, match="positive integer"):
        grey.sample(0)


def test_bad_construction_raises():
    with pytest.raises(ValueError, match="positive odd integer"):
        mask_A(4)
    with pytest.raises(ValueError, match="'A' or 'B'"):
        channel_mask("C", torch.zeros(2), torch.zeros(2))
    with pytest.raises(ValueError, match="cannot be split into 3 colour groups"):
        PixelCNN((4, 4), colours=3, channels=64)
    with pytest.raises(ValueError, match="levels >= 2"):
        PixelCNN((4, 4), levels=1)
    with pytest.raises(ValueError, match="outside the image"):
        receptive_field(PixelCNN((4, 4), channels=4), (4, 0))


# The colour data ------------------------------------------------------------------


def test_hues_of_the_primaries():
    rgb = hue_to_rgb(torch.tensor([0.0, 1 / 3, 2 / 3, 1 / 6]))
    assert rgb.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]]


def test_tinted_digits_are_the_digits_in_one_colour_each():
    data = tinted_digits(levels=4)
    grey = load_digits("grey")
    assert {k: tuple(v.shape) for k, v in data.items()} == {
        "train": (1000, 192),
        "val": (350, 192),
        "test": (447, 192),
    }
    train = data["train"].view(-1, 64, 3)
    assert set(train.unique().tolist()) == {0.0, 1.0, 2.0, 3.0}
    # Where the digit is at full intensity the pixel shows its colour; where
    # it is blank, the pixel is black.
    assert ((grey["train"] == 0).unsqueeze(2) <= (train == 0)).all()
    brightest = train[torch.arange(1000), grey["train"].argmax(1)]
    assert (brightest.max(1).values == 3).all()
    assert torch.equal(tinted_digits(levels=4)["test"], data["test"])
    assert not torch.equal(tinted_digits(levels=4, seed=1)["test"], data["test"])


@pytest.mark.parametrize("name", list(MODELS))
def test_parameters_and_masks_survive_a_state_dict_round_trip(name):
    """The training loop restores the best step with ``load_state_dict``."""
    model = small(name).float()
    copy = MODELS[name]((3, 4), 3, 4, channels=6, layers=3)
    copy.load_state_dict(model.state_dict())
    x = torch.randint(0, 4, (5, model.dim)).float()
    torch.testing.assert_close(copy.log_prob(x), model.log_prob(x))


def test_colour_consistency_is_one_for_one_hue_and_lower_for_many():
    hue = hue_to_rgb(torch.tensor([0.1]))
    brightness = torch.tensor([0.0, 1.0, 2.0, 3.0]).view(1, 4, 1)
    one_hue = (brightness * hue).reshape(1, -1)
    assert colour_consistency(one_hue) == pytest.approx(1)
    many = hue_to_rgb(torch.tensor([0.0, 1 / 3, 2 / 3, 0.5])).reshape(1, -1)
    assert colour_consistency(many) < 0.7
    data = tinted_digits(levels=4)["test"]
    scrambled = data.view(-1, 64, 3)[:, torch.randperm(64)].reshape(len(data), -1)
    mixed = torch.cat([data[:, :96], scrambled.roll(1, 0)[:, 96:]], 1)
    assert colour_consistency(data) > colour_consistency(mixed) + 0.1
