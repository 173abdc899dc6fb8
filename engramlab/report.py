"""Self-contained HTML reports of a results folder (figures embedded, opens offline).

Every command writes ``report.json`` (title, introduction, figure captions) beside
``summary.json``; :func:`build_report` turns a folder into ``report.html`` — figures as inline
PNG data, the parameters table from ``result.json``, the summary numbers and what each figure
shows. ``engramlab report DIR`` rebuilds it. No JavaScript, no external resources.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engramlab.errors import ConfigError
from engramlab.folders import atomic_write, atomic_write_json, read_json, to_jsonable

__all__ = ["build_report", "write_manifest"]

_FIGURE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{margin-top:1.6em;border-bottom:1px solid #ddd}
figure{margin:1.2em 0} figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#444;font-size:.95em;margin-top:.3em}
table{border-collapse:collapse;font-size:.9em} td,th{border:1px solid #ddd;padding:.25em .6em;
text-align:left;vertical-align:top} th{background:#f5f5f5} .meta{color:#666;font-size:.85em}
details{margin:1em 0} code{background:#f5f5f5;padding:0 .2em}
"""


def write_manifest(out_dir: str | os.PathLike[str], title: str, intro: str,
                   figures: Sequence[tuple[str, str]]) -> Path:
    """Write ``report.json``: the title, an introduction and ``(figure stem, caption)`` pairs."""
    return atomic_write_json(Path(out_dir) / "report.json", {
        "title": title, "intro": intro,
        "figures": [{"name": name, "caption": caption} for name, caption in figures],
    })


def _value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, Mapping):
        return ", ".join(f"{k}: {_value(x)}" for k, x in v.items())
    if isinstance(v, list):
        if len(v) > 30:
            return ", ".join(_value(x) for x in v[:30]) + f", … ({len(v)} values)"
        return ", ".join(_value(x) for x in v)
    return str(v)


def _table(rows: Mapping[str, Any], units: Mapping[str, str] | None = None) -> str:
    units = units or {}
    out = ["<table><tr><th>name</th><th>value</th></tr>"]
    for k, v in rows.items():
        unit = f" {units[k]}" if k in units else ""
        out.append(f"<tr><td><code>{html.escape(str(k))}</code></td>"
                   f"<td>{html.escape(_value(v))}{html.escape(unit)}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def build_report(out_dir: str | os.PathLike[str]) -> Path:
    """Build ``report.html`` in ``out_dir`` from its report.json, summary.json, figures, result.json.

    Raises ``ValueError`` when the folder has no ``summary.json`` (nothing to report).
    """
    folder = Path(out_dir)
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise ConfigError(str(folder), "has no summary.json: not an engramlab results folder")
    summary = read_json(summary_path)
    manifest: dict[str, Any] = {"title": folder.name, "intro": "", "figures": []}
    if (folder / "report.json").is_file():
        manifest.update(read_json(folder / "report.json"))
    if not manifest["figures"]:
        manifest["figures"] = [{"name": p.stem, "caption": ""} for p in sorted(folder.glob("*.png"))]
    if not isinstance(manifest["figures"], list):
        raise ConfigError(str(folder / "report.json"), "must list its figures")
    for fig in manifest["figures"]:
        name = fig.get("name") if isinstance(fig, dict) else None
        # a figure is a file stem inside this folder: no paths, nothing outside it
        if not isinstance(name, str) or not _FIGURE_NAME.fullmatch(name) or name.startswith("."):
            raise ConfigError(str(folder / "report.json"), f"lists a figure without a plain file name: {fig!r}")
    for key in ("title", "intro"):
        manifest[key] = str(manifest.get(key) or "")
    for fig in manifest["figures"]:
        fig["caption"] = str(fig.get("caption") or "")
    metadata = summary.pop("metadata", {})
    if not isinstance(metadata, dict):
        metadata = {}
    summary.pop("figures", None)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>{html.escape(manifest['title'])}</title><style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(manifest['title'])}</h1>"]
    if manifest.get("intro"):
        parts.append(f"<p>{html.escape(manifest['intro'])}</p>")
    meta_bits = [f"created {metadata.get('created', '?')}", f"seed {metadata.get('seed')}"]
    versions = metadata.get("versions") or {}
    if versions and isinstance(versions, dict):
        meta_bits.append(", ".join(f"{k} {v}" for k, v in versions.items() if v))
    if metadata.get("git_revision"):
        meta_bits.append(f"git {metadata['git_revision'][:12]}")
    parts.append(f"<p class='meta'>{html.escape(' · '.join(meta_bits))}</p>")
    parts.append("<h2>Key numbers</h2>")
    parts.append(_table(summary))
    parts.append("<h2>Figures</h2>")
    for fig in manifest["figures"]:
        png = folder / f"{fig['name']}.png"
        if not png.is_file():
            raise ConfigError(str(folder), f"report.json lists figure {fig['name']!r} but {png.name} is missing")
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        parts.append(f"<figure><img alt='{html.escape(fig['name'])}' src='data:image/png;base64,{data}'>"
                     f"<figcaption><b>{html.escape(fig['name'])}</b>. "
                     f"{html.escape(fig.get('caption', ''))}</figcaption></figure>")
    sidecars = sorted(folder.glob("*.json"))
    for sc in sidecars:
        try:
            content = json.loads(sc.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(content, dict) and "params" in content and "protocol" in content:
            parts.append(f"<details><summary>Parameters of <code>{html.escape(sc.name)}</code> "
                         f"({html.escape(content['protocol'])}, SI units)</summary>")
            parts.append(_table(to_jsonable(content["params"]), content.get("units")))
            parts.append("</details>")
    files = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    parts.append(f"<p class='meta'>Files in this folder: {html.escape(', '.join(files))}</p>")
    parts.append("</body></html>\n")
    text = "\n".join(parts)
    return atomic_write(folder / "report.html", lambda fh: fh.write(text.encode("utf-8")))
