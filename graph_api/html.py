"""Small, escaped HTML pages for people with a browser: the validation report, the rule catalogue, a resource's
triples and the service index. No template engine: every text goes through :func:`esc`."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox

from graph_api.validation import compact

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

_STYLE: Final = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 78rem; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } code { font-size: 90%; } .lang { color: #777; font-size: 80%; }
.Violation { color: #a00; font-weight: bold; } .Warning { color: #a60; } .Info { color: #06a; }
nav a { margin-right: 1rem; }
"""


def esc(text: object) -> str:
    """HTML-escaped text (quotes included); None is empty."""
    return "" if text is None else escape(str(text), quote=True)


def page(title: str, body: str, *, alternates: Sequence[tuple[str, str]] = ()) -> str:
    """A complete HTML document; ``alternates`` are (URL, label) links to the other formats of the page."""
    links = "".join(f'<a href="{esc(url)}">{esc(label)}</a>' for url, label in alternates)
    nav = f"<nav>{links}</nav>" if links else ""
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head>"
        '<body><p><a href="/">Vietnam directive hierarchy graph</a></p>'
        f"<h1>{esc(title)}</h1>{nav}{body}</body></html>\n"
    )


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table; ``headers`` are text (escaped here), ``rows`` cells already HTML."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def iri_link(iri: str, base: str) -> str:
    """A link to an IRI: IRIs under the base go to their local ``/id/…`` page, others to themselves."""
    href = "/id/" + iri[len(base) :] if iri.startswith(base) else iri
    return f'<a href="{esc(href)}"><code>{esc(compact(iri))}</code></a>'


def texts(values: dict[str, str]) -> str:
    """Texts by language, one line each, with the language shown."""
    return "<br>".join(f'<span class="lang">{esc(lang)}</span> {esc(text)}' for lang, text in values.items())


def term_html(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, base: str) -> str:
    if isinstance(term, ox.NamedNode):
        return iri_link(term.value, base)
    if isinstance(term, ox.BlankNode):
        return f"<code>_:{esc(term.value)}</code>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f'{esc(term.value)} <span class="lang">@{esc(term.language)}</span>'
        datatype = term.datatype.value
        if datatype.endswith("#string"):
            return esc(term.value)
        return f'{esc(term.value)} <span class="lang">{esc(compact(datatype))}</span>'
    return f"<code>{esc(term)}</code>"


def report_page(report: dict[str, Any], base: str, *, alternates: Sequence[tuple[str, str]] = ()) -> str:
    """The validation report (as :func:`graph_api.reports.report_json` gives it) as a page."""
    counts = ", ".join(f"{n} {esc(s)}" for s, n in report["counts"].items())
    verdict = "The graph conforms" if report["conforms"] else "The graph does not conform"
    rows = [
        [
            f'<span class="{esc(r["severity"])}">{esc(r["severity"])}</span>',
            iri_link(r["focusNode"], base) if "://" in r["focusNode"] else esc(r["focusNode"]),
            esc(compact(r["path"])) if r["path"] else "",
            esc(r["value"]),
            esc(compact(r["shape"])),
            texts(r["message"]),
        ]
        for r in report["results"]
    ]
    body = f"<p>{verdict} ({counts}).</p>" + table(
        ["Severity", "Focus node", "Path", "Value", "Shape", "Message"], rows
    )
    return page("Validation report", body, alternates=alternates)


def shapes_page(shapes: Sequence[dict[str, Any]], *, alternates: Sequence[tuple[str, str]] = ()) -> str:
    rows = [
        [
            f'<code id="{esc(s["shape"])}">{esc(s["shape"])}</code><br>{esc(s["file"])}',
            f'<span class="{esc(s["severity"])}">{esc(s["severity"])}</span>',
            texts(s["name"]),
            texts(s["description"]),
            texts(s["message"]),
            esc(s["path"]),
            esc(", ".join(s["targets"])),
        ]
        for s in shapes
    ]
    body = f"<p>{len(shapes)} shapes.</p>" + table(
        ["Shape", "Severity", "Name", "Description", "Message", "Path", "Targets"], rows
    )
    return page("Validation rules (SHACL shapes)", body, alternates=alternates)


def resource_page(
    iri: str,
    triples: Sequence[ox.Triple],
    incoming: Sequence[ox.Triple],
    base: str,
    *,
    alternates: Sequence[tuple[str, str]] = (),
) -> str:
    """A resource's description (its triples, blank nodes included) and the triples that point at it."""
    about = table(
        ["Subject", "Property", "Value"],
        [[term_html(t.subject, base), term_html(t.predicate, base), term_html(t.object, base)] for t in triples],
    )
    pointing = table(
        ["Subject", "Property"], [[term_html(t.subject, base), term_html(t.predicate, base)] for t in incoming]
    )
    body = f'<p><a href="{esc(iri)}"><code>{esc(iri)}</code></a></p>{about}<h2>Referenced by</h2>{pointing}'
    return page(compact(iri), body, alternates=alternates)


def index_page(entries: Sequence[dict[str, str]]) -> str:
    rows = [[f'<a href="{esc(e["href"])}">{esc(e["href"])}</a>', esc(e["title"])] for e in entries]
    return page("Vietnam directive hierarchy graph", table(["Endpoint", "What"], rows))
