"""Offer each chapter's executed notebook (.ipynb) for download.

sphinx-book-theme adds an ".ipynb" download button only for notebooks written in MyST
Markdown. Our chapters are Jupytext ``.py`` files, so this extension does the same for
them: it copies the notebook MyST-NB executed (``_build/jupyter_execute/<page>.ipynb``)
next to the page sources and tells the theme where it is, before the theme draws its
header buttons (priority 500 < 501).
"""

from __future__ import annotations

from pathlib import Path
from shutil import copy2


def _offer_ipynb(app, pagename, templatename, context, doctree):
    if not str(context.get("page_source_suffix", "")).endswith(".py"):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.exists():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    copy2(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app):
    app.connect("html-page-context", _offer_ipynb, priority=500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
