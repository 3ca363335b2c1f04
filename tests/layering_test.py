#!/usr/bin/python3
"""The layering rule, checked by machine: each folder of src/ (and extractors/) includes only
the folders below it and only the outside libraries it owns (docs/architecture.md).

Usage: /usr/bin/python3 tests/layering_test.py [SOURCE_DIR]
Prints one line per violation ("src/extract/page.cc:12: includes <gumbo.h>, which only html may
include") and exits 1 when there is any; then proves it would catch one, by checking a copy of the
tree with a wrong include added. Standard library only.
"""

import re
import shutil
import sys
import tempfile
from pathlib import Path

# Project folders each folder may include (besides its own). Dependencies point one way:
# cli -> crawl -> warc -> fetch -> url; crawl, cli -> extract -> html, encoding, url; all -> base.
LAYERS = {
    "base": [],
    "encoding": ["base"],
    "html": ["base"],
    "url": ["base"],
    "extract": ["base", "encoding", "html", "url"],
    "extractors": ["base", "extract"],
    "fetch": ["base", "url"],
    "output": ["base"],
    "warc": ["base", "url", "fetch"],
    "crawl": ["base", "url", "fetch", "warc", "extract", "output"],
    "cli": ["base", "encoding", "html", "url", "extract", "extractors", "fetch", "warc", "output",
            "crawl"],
}

# Outside libraries, by include prefix, and the only folders that may include them.
EXTERNAL = {
    "gumbo.h": ["html"],
    "curl/": ["fetch", "url"],
    "idn2.h": ["fetch"],
    "zlib.h": ["fetch", "warc"],
    "libdeflate.h": ["warc"],
    "isa-l/igzip_lib.h": ["warc"],
    "simdjson.h": ["output"],
    "brotli/": ["fetch"],
    "sqlite3.h": ["crawl"],
    "libpq-fe.h": ["crawl"],
    "uchardet/": ["encoding"],
    "iconv.h": ["encoding"],
    "openssl/": ["extract", "warc"],
    "yaml-cpp/": ["extract", "cli"],
    "CLI/": ["cli"],
    "re2/": ["extract", "crawl"],
    "nlohmann/": ["extract", "output", "warc", "crawl", "cli"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(path, root):
    relative = path.relative_to(root).parts
    if relative[0] == "extractors":
        return "extractors"
    if relative[0] == "src" and len(relative) > 2:
        return relative[1]
    return None


def violations(root):
    root = Path(root)
    found = []
    files = sorted(list((root / "src").rglob("*.cc")) + list((root / "src").rglob("*.h"))
                   + list((root / "extractors").glob("*.cc")) + list((root / "extractors").glob("*.h")))
    for path in files:
        layer = layer_of(path, root)
        if layer not in LAYERS:
            found.append(f"{path.relative_to(root)}: in no known layer (add it to tests/layering_test.py)")
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            kind, name = m.groups()
            where = f"{path.relative_to(root)}:{number}"
            if kind == '"':
                folder = name.split("/")[0]
                if folder != layer and folder not in LAYERS[layer]:
                    found.append(f'{where}: includes "{name}": {layer} may include '
                                 f'{", ".join(LAYERS[layer]) or "only itself"}')
                continue
            for prefix, owners in EXTERNAL.items():
                if name.startswith(prefix) and layer not in owners:
                    found.append(f"{where}: includes <{name}>, which only {', '.join(owners)} may include")
    return found


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
    found = violations(root)
    for line in found:
        print(line)
    # The check must be able to fail: a copy of the tree with Gumbo included from extract/
    # and the crawl reaching into the extractors.
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "tree"
        shutil.copytree(root / "src", copy / "src")
        shutil.copytree(root / "extractors", copy / "extractors")
        page = copy / "src" / "extract" / "page.cc"
        page.write_text("#include <gumbo.h>\n" + page.read_text(encoding="utf-8"), encoding="utf-8")
        crawler = copy / "src" / "crawl" / "crawler.cc"
        crawler.write_text('#include "extractors/builtin.h"\n' + crawler.read_text(encoding="utf-8"),
                           encoding="utf-8")
        planted = violations(copy)
        caught = [v for v in planted if v not in found]
        if len(caught) != 2:
            print(f"FAIL: the check missed planted wrong includes: {caught}")
            return 1
    print(f"{'FAIL' if found else 'ok'}: {len(found)} layering violations; "
          f"a planted wrong include is caught")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
