#!/usr/bin/python3
"""Every C++ file is as clang-format leaves it (.clang-format: Google style, 100 columns).

Usage: /usr/bin/python3 tests/format_test.py CLANG_FORMAT [SOURCE_DIR]
Checks every .cc and .h under src/, extractors/, tests/ and bench/ with `CLANG_FORMAT
--dry-run -Werror`, prints each file that differs with clang-format's first complaints, and
exits 1 when any does; then proves it would catch one, by checking a copy of a file with its
formatting broken. To fix: `clang-format-14 -i FILE...`. Standard library only.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

FOLDERS = ["src", "extractors", "tests", "bench"]


def sources(root):
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            parts = path.relative_to(root).parts
            if path.suffix in (".cc", ".h") and "work" not in parts and "node_modules" not in parts:
                yield path


def complaints(clang_format, paths, style_dir):
    """(path, clang-format's complaints) for each path that is not formatted: one run for all."""
    result = subprocess.run(
        [clang_format, "--dry-run", "-Werror", f"--style=file:{style_dir / '.clang-format'}"] +
        [str(path) for path in paths], capture_output=True, text=True)
    if result.returncode == 0:
        return []
    bad = {}
    for line in result.stderr.splitlines():
        for path in paths:  # "FILE:LINE:COL: error: code should be clang-formatted"
            if line.startswith(f"{path}:"):
                bad.setdefault(path, []).append(line)
    if not bad:  # Failed without naming a file: clang-format itself is broken.
        raise SystemExit(f"error: {clang_format} failed: {result.stderr.strip()[:500]}")
    return [(path, "\n".join(lines)) for path, lines in bad.items()]


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    clang_format = sys.argv[1]
    root = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).resolve().parent.parent)
    paths = list(sources(root))
    bad = complaints(clang_format, paths, root)
    for path, text in bad:
        print(f"{path.relative_to(root)}: not formatted (clang-format-14 -i fixes it)")
        print("\n".join(text.splitlines()[:6]))
    print(f"{len(paths)} files checked, {len(bad)} not formatted")

    # The check must be able to fail: the same file with a line joined past 100 columns.
    with tempfile.TemporaryDirectory() as tmp:
        planted = Path(tmp) / "planted.cc"
        planted.write_text("int f(int a,int b){return a+b;}\n")
        if not complaints(clang_format, [planted], root):
            print("error: a misformatted file was not caught")
            return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
