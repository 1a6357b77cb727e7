"""Helpers for chapters: glue computed values into the prose."""


def glue(name: str, value, display: bool = False):
    """Record ``value`` under ``name`` for the book's ``{glue}`` roles (myst-nb).

    Every number the prose quotes goes through here, so the text cannot drift from
    what ran. Outside a Jupyter Book build (Colab, a plain notebook) myst-nb may be
    missing; the value is then printed instead of glued.
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        print(f"{name} = {value}")
        return
    myst_glue(name, value, display=display)
