"""The student edition of the book: every page without its solutions.

``make book EDITION=student`` sets ``BOOK_EDITION=student``; the build then drops
every solution of sphinx-exercise (plain ``{solution}`` and gated
``{solution-start}``...``{solution-end}`` alike) after the extension has merged the
gated ones, and every way back to the sources, which hold the solutions: the copied
sources and the download menu, the launch (Binder, Colab), repository and
edit-this-page buttons.

sphinx-exercise's own ``hide_solutions`` is not used: with gated solutions it
returns no start node, so the content between start and end stays on the page and
the end node stops the HTML writer.
"""

import os

from sphinx.transforms import SphinxTransform
from sphinx_exercise.nodes import solution_node

SOURCE_LINKS = (
    "use_download_button",
    "use_repository_button",
    "use_issues_button",
    "use_edit_page_button",
)


class RemoveSolutions(SphinxTransform):
    """Drop every solution node (after sphinx-exercise's MergeGatedSolutions)."""

    default_priority = 20

    def apply(self):
        if not self.config.student_edition:
            return
        for node in list(self.document.findall(solution_node)):
            node.parent.remove(node)


def _configure(app, config):
    if not config.student_edition:
        return
    config.html_copy_source = False
    if config.html_theme != "sphinx_book_theme":
        return  # (a test's plain Sphinx project)
    options = config.html_theme_options
    options.update(dict.fromkeys(SOURCE_LINKS, False))
    for key in ("launch_buttons", "repository_url"):
        options.pop(key, None)


def setup(app):
    app.add_config_value(
        "student_edition", os.environ.get("BOOK_EDITION") == "student", "env"
    )
    # after book_meta (900), which adds the repository and launch buttons
    app.connect("config-inited", _configure, priority=950)
    app.add_transform(RemoveSolutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
