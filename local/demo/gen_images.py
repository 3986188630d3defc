#!/usr/bin/env python3
"""Writes a small placeholder SVG per product of the demo catalogue.

Each category has its own colours and shape, and each image carries the product's
name, so pages and browser tests can tell products apart. Run from anywhere:

    python3 local/demo/gen_images.py

It reads local/demo/catalogue.json and (re)writes local/demo/images/<sku>.svg.
"""
import json
import pathlib
import textwrap
from xml.sax.saxutils import escape

HERE = pathlib.Path(__file__).resolve().parent

# category -> (background, accent, shape drawer)
STYLES = {
    "kitchen": ("#f3e6d8", "#b5542d", "circle"),
    "tableware": ("#e3ecf2", "#2f5d7c", "plate"),
    "textiles": ("#efe4ee", "#7b4a78", "stripes"),
    "lighting": ("#fbf3d5", "#c98a00", "bulb"),
    "stationery": ("#e8efe3", "#4d6b3a", "sheet"),
    "garden": ("#e2f0e6", "#2e7d4f", "leaf"),
}


def shape(kind: str, accent: str) -> str:
    if kind == "circle":
        return f'<circle cx="200" cy="150" r="90" fill="{accent}" opacity=".85"/>'
    if kind == "plate":
        return (f'<ellipse cx="200" cy="150" rx="120" ry="80" fill="none" stroke="{accent}" stroke-width="14"/>'
                f'<ellipse cx="200" cy="150" rx="70" ry="45" fill="{accent}" opacity=".3"/>')
    if kind == "stripes":
        return "".join(f'<rect x="{60 + i * 50}" y="50" width="25" height="200" fill="{accent}" opacity=".8"/>' for i in range(6))
    if kind == "bulb":
        return (f'<circle cx="200" cy="130" r="75" fill="{accent}" opacity=".8"/>'
                f'<rect x="170" y="200" width="60" height="45" rx="8" fill="{accent}"/>')
    if kind == "sheet":
        return (f'<rect x="110" y="45" width="180" height="210" rx="6" fill="#fff" stroke="{accent}" stroke-width="8"/>'
                + "".join(f'<line x1="135" x2="265" y1="{90 + i * 30}" y2="{90 + i * 30}" stroke="{accent}" stroke-width="5"/>' for i in range(5)))
    if kind == "leaf":
        return f'<path d="M200 40 C320 100 300 230 200 260 C100 230 80 100 200 40Z" fill="{accent}" opacity=".85"/><line x1="200" y1="60" x2="200" y2="255" stroke="#fff" stroke-width="5"/>'
    raise ValueError(kind)


def svg(product: dict) -> str:
    bg, accent, kind = STYLES.get(product["category"], ("#eee", "#555", "circle"))
    lines = textwrap.wrap(product["name"], 26)[:2]
    text = "".join(
        f'<text x="200" y="{318 + i * 30}" text-anchor="middle" font-family="sans-serif" font-size="22" fill="#222">{escape(t)}</text>'
        for i, t in enumerate(lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" width="400" height="400">'
        f'<title>{escape(product["name"])}</title>'
        f'<rect width="400" height="400" fill="{bg}"/>{shape(kind, accent)}{text}'
        f'<text x="385" y="390" text-anchor="end" font-family="monospace" font-size="12" fill="#666">{escape(product["sku"])}</text>'
        "</svg>\n"
    )


def main() -> None:
    products = json.loads((HERE / "catalogue.json").read_text(encoding="utf-8"))
    out = HERE / "images"
    out.mkdir(exist_ok=True)
    for p in products:
        for key in p.get("images") or []:
            (out / key).write_text(svg(p), encoding="utf-8")
    print(f"wrote {len(products)} images to {out}")


if __name__ == "__main__":
    main()
