"""Drop duplicate <script> entries from every page.

sphinx-thebe and sphinx-togglebutton (loaded by Jupyter Book) register their
inline configuration scripts each time Sphinx reads the sources, once with filename
``None`` and once with ``''``. A page that declares ``const THEBE_JS_URL`` twice
throws a SyntaxError in the browser; keeping the first copy of each script fixes it.
"""


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        attributes = tuple(sorted(getattr(script, "attributes", {}).items()))
        key = (getattr(script, "filename", script) or "", attributes)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
