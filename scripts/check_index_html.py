#!/usr/bin/env python3
"""Open out/index.html in headless Chromium and check that it renders.

Usage: check_index_html.py BINARY [OUT_DIR] [--chromium PATH]

Writes `experiment 6 --index` into OUT_DIR (a fresh temporary folder by
default; a second argument reuses an existing folder that already holds
index.html, e.g. the output of `experiment all`), then:

1. every src/href of the page is an anchor on the page or an existing file
   under the folder, and nothing refers to http:// or https://;
2. Chromium's DOM after the load event reports every image loaded
   (the page's own check writes data-broken-images on <body>);
3. a screenshot is not blank: at least 64 distinct colours and at least 2 %
   of its pixels not white.

Exits 1 with a message naming what failed. Standard library only (the PNG
is decoded here with zlib).
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from urllib.parse import unquote

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def fail(msg):
    print(f"check_index_html: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def png_pixels(path):
    """(width, height, list of RGB(A) tuples) of an 8-bit RGB/RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                fail(f"{path}: PNG depth {depth} colour type {colour} not handled")
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    pixels = []
    i = 0
    for _ in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 255
        pixels.extend(bytes(line[k:k + 3]) for k in range(0, stride, bpp))
        prev = line
    return w, h, pixels


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--chromium")]
    chromium = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--chromium=")), None)
    chromium = chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not args:
        fail(__doc__)
    binary = args[0]
    if len(args) > 1:
        out = os.path.abspath(args[1])
    else:
        out = tempfile.mkdtemp(prefix="index-html-")
        r = subprocess.run([binary, "experiment", "6", "--index", "--out", out],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"experiment 6 --index failed: {r.stderr}")
    page = os.path.join(out, "index.html")
    html = open(page, encoding="utf-8").read()

    # 1. Every reference resolves, nothing external.
    if re.search(r"https?://", html):
        fail("index.html refers to http(s)://")
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    refs = re.findall(r'\b(?:src|href)="([^"]*)"', html)
    if not refs:
        fail("index.html references nothing")
    for ref in refs:
        if ref.startswith("#"):
            if ref[1:] not in ids:
                fail(f"anchor {ref} has no element with that id")
        elif not os.path.isfile(os.path.join(out, unquote(ref))):
            fail(f"{ref}: no such file under {out}")
    print(f"check_index_html: {len(refs)} references resolve")

    if not chromium:
        fail("no chromium found (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        url = "file://" + page
        common = [chromium, *FLAGS, f"--user-data-dir={profile}"]
        # 2. The page's own load check, read from the DOM after load.
        dom = subprocess.run(common + ["--virtual-time-budget=10000", "--dump-dom", url],
                             capture_output=True, text=True, timeout=300).stdout
        m = re.search(r'<body[^>]*data-loaded="yes"[^>]*>', dom)
        if not m:
            fail("the page's load check did not run (no data-loaded on <body>)")
        body = m.group(0)
        broken = re.search(r'data-broken-images="([^"]*)"', body).group(1)
        images = int(re.search(r'data-images="(\d+)"', body).group(1))
        if broken.strip():
            fail(f"images that did not load: {broken}")
        print(f"check_index_html: chromium loaded all {images} images")
        # 3. A screenshot that is not blank.
        shot = os.path.join(profile, "shot.png")
        subprocess.run(common + [f"--screenshot={shot}", "--window-size=1280,2000", url],
                       capture_output=True, timeout=300)
        if not os.path.isfile(shot):
            fail("chromium wrote no screenshot")
        w, h, px = png_pixels(shot)
        colours = len(set(px))
        ink = sum(1 for p in px if p != b"\xff\xff\xff") / len(px)
        keep = os.environ.get("INDEX_HTML_SCREENSHOT")
        if keep:
            shutil.copy(shot, keep)
        if colours < 64 or ink < 0.02:
            fail(f"screenshot {w}x{h} looks blank: {colours} colours, {100 * ink:.1f} % non-white")
        print(f"check_index_html: screenshot {w}x{h}, {colours} distinct colours, {100 * ink:.1f} % non-white")


if __name__ == "__main__":
    main()
