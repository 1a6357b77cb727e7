"""What the book says about itself: the package version and where its source lives.

- The version of the installed ``lecturecode`` goes into the footer of every
  page and into the MyST substitution ``{{ lecturecode_version }}``, so the book
  can never claim a version other than the one that executed it.
- The repository URL comes from ``BOOK_REPOSITORY_URL`` (the deploy workflow sets
  it to the repository it runs in) or from the ``origin`` remote of a GitHub clone.
  With it come the repository, issue, edit-this-page and Binder launch buttons, and
  a Colab button that opens the chapter's notebook from the ``notebooks`` branch
  (the deploy workflow writes it there with ``python -m lecturecode notebooks``).
  Without one (a copy with no GitHub remote) the book shows none of these rather
  than links to nowhere, and its download menu offers the MyST source only.
- Every page links to the PDF of the whole book (``make pdf``; the deploy workflow
  publishes it at the root of the site as ``lecture18.pdf``), in its footer and in
  its download menu.
"""

import os
import re
import subprocess

import lecturecode
from lecturecode.paths import ROOT

NOTEBOOKS_BRANCH = "notebooks"
PDF_NAME = "lecture18.pdf"  # at the root of the built site (make pdf, deploy.yml)
GITHUB = re.compile(
    r"^(?:https://github\.com/|git@github\.com:)([\w.-]+/[\w.-]+?)(?:\.git)?/?$"
)


def repository_url() -> str | None:
    """``https://github.com/OWNER/REPO`` for this book, or None when unknown."""
    candidates = [os.environ.get("BOOK_REPOSITORY_URL", "")]
    try:
        candidates.append(
            subprocess.run(
                ["git", "remote", "get-url", "origin"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
    except (OSError, subprocess.CalledProcessError):
        pass
    for candidate in candidates:
        match = GITHUB.match(candidate.strip())
        if match:
            return f"https://github.com/{match.group(1)}"
    return None


def _configure(app, config):
    version = lecturecode.__version__
    config.myst_substitutions = {
        **config.myst_substitutions,
        "lecturecode_version": version,
    }
    options = config.html_theme_options
    footer = f"Built with <code>lecturecode</code> {version}."
    options["extra_footer"] = footer + options.get("extra_footer", "")
    url = repository_url()
    if url is None:
        return
    options.update(
        repository_url=url,
        repository_branch="main",
        path_to_docs="",
        use_repository_button=True,
        use_issues_button=True,
        use_edit_page_button=True,
    )
    # The launch menu; with it the theme also offers each chapter's executed
    # notebook for download.
    options.setdefault("launch_buttons", {}).update(
        binderhub_url="https://mybinder.org", notebook_interface="jupyterlab"
    )


def _add_colab(app, pagename, templatename, context, doctree):
    """A Colab entry in the launch menu of every notebook page."""
    url = app.config.html_theme_options.get("repository_url")
    group = next(
        (
            button
            for button in context.get("header_buttons", [])
            if button.get("label") == "launch-buttons"
        ),
        None,
    )
    if not url or group is None:
        return
    repo = url.removeprefix("https://github.com/")
    group["buttons"].append(
        {
            "type": "link",
            "text": "Colab",
            "tooltip": "Launch on Colab",
            "icon": "_static/images/logo_colab.png",
            "url": f"https://colab.research.google.com/github/{repo}/blob/"
            f"{NOTEBOOKS_BRANCH}/{pagename}.ipynb",
        }
    )


def _link_pdf(app, pagename, templatename, context, doctree):
    """A link to the PDF of the book, relative to the page, in the footer and
    (where the page has one) the download menu."""
    if getattr(app.config, "student_edition", False):
        return  # the PDF holds the solutions
    url = context["pathto"](PDF_NAME, 1)
    link = f'<a class="book-pdf" href="{url}">The whole book as a PDF</a>. '
    context["theme_extra_footer"] = link + context.get("theme_extra_footer", "")
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].append(
                {
                    "type": "link",
                    "text": "book.pdf",
                    "tooltip": "The whole book as a PDF",
                    "icon": "fas fa-file-pdf",
                    "url": url,
                    "label": "download-book-pdf-button",
                }
            )


def setup(app):
    app.connect("config-inited", _configure, priority=900)
    app.connect("html-page-context", _add_colab, priority=502)
    app.connect("html-page-context", _link_pdf, priority=503)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
