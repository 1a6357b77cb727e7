"""The one look of the book's schematic diagrams, and the bookkeeping that ties a
picture to the structure it shows.

Every diagram is a matplotlib :class:`~matplotlib.figure.Figure` (vector output,
no system binary) drawn with the primitives below: one palette, one font size,
no axes. Every primitive that draws a piece of *structure* (an edge, a kernel
cell, a tensor shape) takes ``gid`` parts and stores them on the artist as
``"kind|part|part"``. That id lands in the SVG too, and :func:`drawn` reads the
pieces back from the figure's artists: the tests compare what was drawn with
the model it was drawn from, never with a list the drawing code kept on the side.
"""

import io

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Polygon

PALETTE = {
    "ink": "#262626",  # lines and text
    "muted": "#8c8c8c",  # secondary text, inactive pieces
    "faint": "#e6e6e6",  # empty cells, backgrounds
    "kept": "#3a6ea5",  # what passes unchanged / is read (blue)
    "changed": "#d9822b",  # what is transformed / generated (orange)
    "net": "#4e9a61",  # networks and learned maps (green)
    "alert": "#c0392b",  # what is missing or forbidden (red)
}
COLOUR_NAMES = ("R", "G", "B")
COLOUR_INKS = ("#c0392b", "#4e9a61", "#3a6ea5")  # red, green, blue channels
FONT_SIZE = 9
STYLE = {
    "font.size": FONT_SIZE,
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "dejavusans",
    "svg.fonttype": "path",  # glyphs as paths: the SVG looks the same everywhere
    "svg.hashsalt": "lecture18",  # stable ids in the SVG, run after run
    "lines.linewidth": 1.2,
    "hatch.linewidth": 0.8,
}


def canvas(width: float, height: float, panels=1, ratios=None, titles=None,
           notes=False):
    """A white figure of ``width x height`` inches with ``panels`` drawing
    areas side by side (widths in ``ratios``), no axes, equal aspect, room
    for a title above each panel (``titles``) and a line below (``notes``,
    see :func:`note`). Returns ``(figure, [axes])``."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width, height), facecolor="white")
        grid = fig.add_gridspec(
            1, panels, width_ratios=ratios, left=0.01, right=0.99,
            bottom=0.3 / height if notes else 0.02,
            top=1 - 0.35 / height if titles else 0.98, wspace=0.08,
        )
        axes = [fig.add_subplot(grid[0, k]) for k in range(panels)]
    for k, ax in enumerate(axes):
        ax.set_axis_off()
        ax.set_aspect("equal")
        if titles:
            ax.set_title(titles[k], fontsize=FONT_SIZE, color=PALETTE["ink"])
    return fig, axes


def tag(artist, kind: str, *parts):
    """Mark ``artist`` as the drawing of one piece of structure."""
    text = "|".join(str(p) for p in (kind, *parts))
    artist.set_gid(text)
    return artist


def drawn(fig, kind: str) -> list[tuple[str, ...]]:
    """The parts of every artist of ``fig`` tagged ``kind``, in drawing order."""
    found = []
    for artist in fig.findobj():
        gid = artist.get_gid()
        if isinstance(gid, str) and gid.split("|", 1)[0] == kind:
            found.append(tuple(gid.split("|")[1:]))
    return found


def text(ax, xy, label, *, color=None, size=FONT_SIZE, gid=None, **kw):
    """A label in the diagrams' font; ``gid`` parts make it structure."""
    kw = {"ha": "center", "va": "center", **kw}
    artist = ax.text(*xy, label, fontsize=size, color=color or PALETTE["ink"], **kw)
    return tag(artist, *gid) if gid else artist


def note(ax, label, *, gid=None):
    """A line of small text under a panel (``canvas(notes=True)`` makes
    room for it)."""
    return text(ax, (0.5, -0.03), label, size=FONT_SIZE - 1, va="top",
                color=PALETTE["muted"], transform=ax.transAxes, gid=gid)


def caption(fig, label):
    """A line of small text under the whole figure (``canvas(notes=True)``)."""
    return fig.text(0.5, 0.02, label, ha="center", va="bottom",
                    fontsize=FONT_SIZE - 1, color=PALETTE["muted"])


def node(ax, xy, label="", *, radius=0.3, color=None, fill="white", gid=None,
         size=FONT_SIZE, text_color=None):
    """A circle with a label inside."""
    circle = Circle(xy, radius, facecolor=fill, edgecolor=color or PALETTE["ink"],
                    lw=1.2, zorder=3)
    ax.add_patch(circle)
    if gid:
        tag(circle, *gid)
    if label:
        text(ax, xy, label, size=size, zorder=4, color=text_color)
    return circle


def box(ax, xy, width, height, label="", *, color=None, fill="white", gid=None,
        size=FONT_SIZE, text_color=None, lw=1.2):
    """A rounded box centred at ``xy``."""
    x, y = xy
    patch = FancyBboxPatch(
        (x - width / 2, y - height / 2), width, height,
        boxstyle="round,pad=0,rounding_size=0.08",
        facecolor=fill, edgecolor=color or PALETTE["ink"], lw=lw, zorder=2,
    )
    ax.add_patch(patch)
    if gid:
        tag(patch, *gid)
    if label:
        text(ax, xy, label, size=size, zorder=4, color=text_color)
    return patch


def arrow(ax, start, end, *, color=None, gid=None, curve=0.0, head=True,
          lw=1.1, shrink=0.0, style="-", zorder=1):
    """An arrow (or a plain line, ``head=False``) from ``start`` to ``end``,
    straight or bent (``curve``, matplotlib's ``arc3`` radius). ``start`` and
    ``end`` are points or patches (a box, a node): a patch is the arrow's end
    at its centre, clipped at its outline. ``shrink`` cuts ``shrink`` points
    more at both ends."""
    ends = {}
    for name, point in (("A", start), ("B", end)):
        if hasattr(point, "get_path"):
            ends[f"patch{name}"] = point
            point = _centre(point)
        ends[name] = point
    patch = FancyArrowPatch(
        ends["A"], ends["B"], patchA=ends.get("patchA"), patchB=ends.get("patchB"),
        arrowstyle="-|>,head_length=4,head_width=2.2" if head else "-",
        connectionstyle=f"arc3,rad={curve}",
        color=color or PALETTE["ink"], lw=lw, linestyle=style,
        shrinkA=shrink, shrinkB=shrink, zorder=zorder,
    )
    ax.add_patch(patch)
    return tag(patch, *gid) if gid else patch


def _centre(patch):
    """The centre of a patch's bounding box, in data coordinates."""
    box = patch.get_path().get_extents(patch.get_patch_transform())
    return ((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)


def cell(ax, xy, *, fill, size=1.0, gid=None, hatch=None, edge=None):
    """A square of side ``size`` centred at ``xy`` (a kernel entry, a pixel)."""
    x, y = xy
    half = size / 2
    patch = Polygon(
        [(x - half, y - half), (x + half, y - half), (x + half, y + half),
         (x - half, y + half)],
        closed=True, facecolor=fill, edgecolor=edge or "white", lw=1.0,
        hatch=hatch, zorder=2,
    )
    ax.add_patch(patch)
    return tag(patch, *gid) if gid else patch


def polygon(ax, points, *, fill, edge=None, gid=None, alpha=1.0, lw=1.2):
    """A closed polygon through ``points`` (an ``(n, 2)`` array)."""
    patch = Polygon(points, closed=True, facecolor=fill, alpha=alpha,
                    edgecolor=edge or PALETTE["ink"], lw=lw, zorder=3)
    ax.add_patch(patch)
    return tag(patch, *gid) if gid else patch


def frame(ax, x0, x1, y0, y1, pad=0.3):
    """Show the data range ``[x0, x1] x [y0, y1]`` with a margin."""
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)


def svg(fig) -> str:
    """The figure as SVG text (vector; the same bytes run after run)."""
    buffer = io.StringIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buffer, format="svg", metadata={"Date": None},
                    facecolor="white")
    return buffer.getvalue()


def show_diagram(fig):
    """Display a diagram in a notebook as SVG, so the book gets a vector image."""
    from IPython.display import SVG, display

    display(SVG(svg(fig)))
