"""What a reader meets in the built pages: labels to read, and no error in the console.

* The text cites author-year ("Chang et al. (2021)"), so the bibliography is labelled the same
  way, "[Chang et al., 2021]", instead of by number: the pybtex style ``authoryear`` (pybtex's
  ``plain`` formatting and sorting, by author, year and title), chosen in ``_config.yml`` by
  ``bibtex_default_style``. Labels that would be equal get a letter: "2020a", "2020b".
* myst-nb's execution table (``{nb-exec-table}``) marks each chapter with the emoji ✅ or ❌,
  an empty box on a machine without an emoji font; a post-transform writes ``ok`` /
  ``failed`` instead.
* Sphinx 7.4 writes twice an inline script that an extension adds after the builder started
  (once as registered, once re-read from the registry, with ``None`` and ``""`` as its file
  name). sphinx-thebe's ``const THEBE_JS_URL = ...`` declared twice is a SyntaxError in the
  console of every page; each page keeps one copy of each script.
"""

from __future__ import annotations

from collections import Counter
from string import ascii_lowercase

import pybtex.plugin
from docutils import nodes
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx.transforms.post_transforms import SphinxPostTransform


def _surname(person) -> str:
    latex = " ".join(person.prelast_names + person.last_names)
    return Text.from_latex(latex).render_as("text")


class AuthorYearLabels(BaseLabelStyle):
    """"Belkin et al., 2019", "Cho and Saul, 2009", "Krizhevsky, 2009"."""

    def format_labels(self, sorted_entries):
        labels = [self._label(entry) for entry in sorted_entries]
        counts, seen = Counter(labels), Counter()
        for label in labels:
            if counts[label] > 1:
                seen[label] += 1
                label += ascii_lowercase[seen[label] - 1]
            yield label

    @staticmethod
    def _label(entry) -> str:
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        year = entry.fields.get("year", "n.d.")
        if not people:
            return f"{entry.fields.get('title', entry.key)}, {year}"
        if len(people) == 1:
            names = _surname(people[0])
        elif len(people) == 2:
            names = f"{_surname(people[0])} and {_surname(people[1])}"
        else:
            names = f"{_surname(people[0])} et al."
        return f"{names}, {year}"


class AuthorYearStyle(PlainStyle):
    default_label_style = AuthorYearLabels


class PlainExecTable(SphinxPostTransform):
    """Replace the status emoji in table cells by words."""

    default_priority = 9  # after myst-nb's ExecutionStatsPostTransform (8) fills the table
    _WORDS = {"✅": "ok", "❌": "failed"}

    def run(self, **kwargs) -> None:
        for table in list(self.document.findall(nodes.table)):
            for text in list(table.findall(nodes.Text)):
                word = self._WORDS.get(text.astext().strip())
                if word is not None:
                    text.parent.replace(text, nodes.Text(word))


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        key = (getattr(script, "filename", script) or "", getattr(script, "priority", None),
               tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)  # after the others
    pybtex.plugin.register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle,
                                  force=True)
    app.add_post_transform(PlainExecTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
