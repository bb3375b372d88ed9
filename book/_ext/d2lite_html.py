"""Sphinx fix for the web book (loaded by _config.yml, sphinx.local_extensions).

Sphinx 7.4 writes a script registered with ``app.add_js_file(None, body=...)``
after the builder started (sphinx-thebe's configuration is one) twice into
every page, once with filename ``None`` and once with ``''``: the second
``const THEBE_JS_URL`` is a JavaScript error on every page. Keep one of each.
"""


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    js_tag = context.get("js_tag")
    if not scripts or js_tag is None:
        return
    seen, unique = set(), []
    for script in scripts:
        tag = str(js_tag(script))
        if tag not in seen:
            seen.add(tag)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
