#!/usr/bin/python3
"""Validates medscrape's records against schema/record.schema.json.

Usage: /usr/bin/python3 tests/schema_test.py <path-to-medscrape-binary>
Environment: MEDSCRAPE_SOURCE_DIR = repo root (default: this file's parent's parent).

Checks, each counted once in the closing "N passed, M failed" line:
  1. the schema itself is a valid draft 2020-12 schema (check_schema);
  2. hand-written valid records (article, question, generic) are accepted;
  3. mutations of a valid record are rejected, each at the expected place;
  4. for every fixtures/*/*.html with a sibling .expected.json, the binary's
     `extract --url <.url> <file>` output: every line is JSON, validates, and
     has its keys in the order docs/record-schema.md gives.
Needs Debian's python3-jsonschema, hence /usr/bin/python3.
"""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

try:
    import jsonschema
except ImportError:
    print("FAIL: python3-jsonschema is missing (apt-get install python3-jsonschema; "
          "run with /usr/bin/python3)")
    print("0 passed, 1 failed")
    sys.exit(1)

EXTRACT_TIMEOUT_S = 60

# Key order of schema version 1 (the spec lists keys in this order). Keys a
# record does not carry are skipped; unknown keys are the schema's business.
TOP_ORDER = [
    "schema_version", "url", "site", "page_type", "title", "published", "views",
    "summary", "causes", "advice", "disease", "question", "answers", "description",
    "extractor", "content_sha256", "charset", "fetched_at", "http", "change", "warnings",
]
DOCTOR_ORDER = ["name", "title", "hospital", "hospital_grade", "department"]
ARTICLE_ANSWER_ORDER = ["question", "url", "doctor", "text"]
QUESTION_ANSWER_ORDER = ["doctor", "text", "published"]
ITEM_ORDER = ["name", "detail"]
DISEASE_ORDER = ["name", "description"]
EXTRACTOR_ORDER = ["site", "page_type", "version"]
CHARSET_ORDER = ["name", "source"]


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, name):
        self.passed += 1
        print(f"ok   {name}")

    def fail(self, name, details):
        self.failed += 1
        print(f"FAIL {name}")
        for line in details:
            print(f"       {line}")


def pointer(path):
    """JSON-pointer-like rendering of a validation error path: /answers/0/doctor."""
    return "/" + "/".join(str(p) for p in path)


def describe_errors(validator, record):
    """One line per validation error, sorted by path: '<path>: <message>'."""
    lines = []
    errors = sorted(validator.iter_errors(record), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        message = error.message
        if error.context:  # oneOf/anyOf: name the closest branch's complaint too.
            best = jsonschema.exceptions.best_match(error.context)
            message += f" (closest: {pointer(best.absolute_path)}: {best.message})"
        if len(message) > 300:
            message = message[:300] + "..."
        lines.append(f"{pointer(error.absolute_path)}: {message}")
    return lines


def order_problems(record):
    """Places where keys are out of the documented order."""
    problems = []

    def check(obj, order, where):
        if not isinstance(obj, dict):
            return
        actual = [k for k in obj if k in order]
        wanted = [k for k in order if k in obj]
        if actual != wanted:
            problems.append(f"{where or '/'}: keys {actual}, expected {wanted}")

    check(record, TOP_ORDER, "")
    check(record.get("extractor"), EXTRACTOR_ORDER, "/extractor")
    check(record.get("charset"), CHARSET_ORDER, "/charset")
    check(record.get("disease"), DISEASE_ORDER, "/disease")
    for field in ("causes", "advice"):
        for i, item in enumerate(record.get(field) or []):
            check(item, ITEM_ORDER, f"/{field}/{i}")
    answer_order = ARTICLE_ANSWER_ORDER if record.get("page_type") == "article" else QUESTION_ANSWER_ORDER
    answers = record.get("answers")
    for i, answer in enumerate(answers if isinstance(answers, list) else []):
        check(answer, answer_order, f"/answers/{i}")
        if isinstance(answer, dict):
            check(answer.get("doctor"), DOCTOR_ORDER, f"/answers/{i}/doctor")
    return problems


# ---------------------------------------------------------------- valid records

def doctor(name, title, hospital=None, grade=None, department=None):
    return {"name": name, "title": title, "hospital": hospital,
            "hospital_grade": grade, "department": department}


PROVENANCE_TAIL = {
    "content_sha256": "3f0a2b8c9d1e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c",
    "charset": {"name": "UTF-8", "source": "meta"},
    "fetched_at": None,
    "warnings": [],
}


def valid_article():
    return {
        "schema_version": 1,
        "url": "https://www.mfk.com/jingxuan/8137265.shtml",
        "site": "mfk.com",
        "page_type": "article",
        "title": "大腿肌肉痉挛的主要原因",
        "published": "2026-02-28",
        "views": 9039,
        "summary": "大腿肌肉痉挛主要由电解质紊乱引发。",
        "causes": [{"name": "电解质失衡", "detail": "运动大量出汗导致钠、钾、钙流失。"}],
        "advice": [{"name": "特殊人群建议", "detail": "建议日常补水补钾。"}],
        "disease": {"name": "肌肉痉挛", "description": "肌肉痉挛是一种肌肉自发的强直性收缩。"},
        "answers": [{
            "question": "肌肉痉挛怎么缓解?",
            "url": "https://www.mfk.com/ask/11160281.shtml",
            "doctor": doctor("杜俊秋", "副主任医师", "淮安市第二人民医院", "三甲"),
            "text": "肌肉痉挛比较严重时,先通过药物口服。",
        }],
        "extractor": {"site": "mfk.com", "page_type": "article", "version": 1},
        **copy.deepcopy(PROVENANCE_TAIL),
    }


def valid_question():
    return {
        "schema_version": 1,
        "url": "http://club.xywy.com/static/20160305/3215597.htm",
        "site": "xywy.com",
        "page_type": "question",
        "title": "老人经常腿抽筋怎么办",
        "published": "2016-03-05T12:33:21+08:00",
        "views": None,
        "question": "父亲今年68岁，最近经常半夜腿抽筋。",
        "answers": [{
            "doctor": doctor("许光仓", "主任医师", "镇江市中医院"),
            "text": "老年人腿抽筋多与缺钙有关。\n建议复查血钾、血钙。",
            "published": "2016-03-05T13:10:02+08:00",
        }],
        "extractor": {"site": "xywy.com", "page_type": "question", "version": 1},
        **copy.deepcopy(PROVENANCE_TAIL),
        "charset": {"name": "GB18030", "source": "meta"},
    }


def valid_crawled():
    """A crawl record: an article plus http and change (fetched_at set)."""
    record = valid_article()
    warnings = record.pop("warnings")
    record["fetched_at"] = "2026-03-01T02:03:04Z"
    record["http"] = {"status": 200, "final_url": record["url"], "content_type": "text/html"}
    record["change"] = "new"
    record["warnings"] = warnings
    return record


def valid_generic():
    return {
        "schema_version": 1,
        "url": None,
        "site": None,
        "page_type": "generic",
        "title": None,
        "published": None,
        "views": None,
        "description": None,
        "extractor": {"site": None, "page_type": "generic", "version": 1},
        **copy.deepcopy(PROVENANCE_TAIL),
        "fetched_at": "2026-03-01T02:03:04Z",
        "warnings": ["no extractor for this URL: generic record"],
    }


# ------------------------------------------------------------- negative checks

def mutate(base, change):
    record = copy.deepcopy(base)
    change(record)
    return record


def set_key(key, value):
    def change(r):
        r[key] = value
    return change


def del_key(key):
    def change(r):
        del r[key]
    return change


def negative_cases():
    """(name, record, path where the schema must complain)."""
    article, question, generic = valid_article(), valid_question(), valid_generic()
    return [
        ("views as string \"9039\"", mutate(article, set_key("views", "9039")), "/views"),
        ("missing charset", mutate(article, del_key("charset")), "/"),
        ("extra top-level key", mutate(article, set_key("body_html", "<p>x</p>")), "/"),
        ("doctor missing department",
         mutate(article, lambda r: r["answers"][0]["doctor"].pop("department")), "/answers/0/doctor"),
        ("bad content_sha256 (uppercase hex)",
         mutate(article, set_key("content_sha256", PROVENANCE_TAIL["content_sha256"].upper())),
         "/content_sha256"),
        ("bad content_sha256 (63 chars)",
         mutate(article, set_key("content_sha256", PROVENANCE_TAIL["content_sha256"][:63])),
         "/content_sha256"),
        ("published \"2026/02/28\"", mutate(article, set_key("published", "2026/02/28")), "/published"),
        ("published without seconds",
         mutate(question, set_key("published", "2016-03-05T12:33+08:00")), "/published"),
        ("negative views", mutate(article, set_key("views", -1)), "/views"),
        ("views as float", mutate(article, set_key("views", 9039.5)), "/views"),
        ("schema_version 2", mutate(article, set_key("schema_version", 2)), "/schema_version"),
        ("site that is no site name", mutate(question, set_key("site", "Hao DF")), "/site"),
        ("unknown charset.source",
         mutate(article, lambda r: r["charset"].update(source="guess")), "/charset/source"),
        ("extractor.version 0",
         mutate(article, lambda r: r["extractor"].update(version=0)), "/extractor/version"),
        ("fetched_at not UTC",
         mutate(article, set_key("fetched_at", "2026-03-01T10:00:00+08:00")), "/fetched_at"),
        ("article without causes", mutate(article, del_key("causes")), "/"),
        ("article with a question key", mutate(article, set_key("question", "?")), "/question"),
        ("article answer missing url",
         mutate(article, lambda r: r["answers"][0].pop("url")), "/answers/0"),
        ("article answer with relative url",
         mutate(article, lambda r: r["answers"][0].update(url="/ask/11160281.shtml")), "/answers/0/url"),
        ("question answer missing published",
         mutate(question, lambda r: r["answers"][0].pop("published")), "/answers/0"),
        ("question with a summary key", mutate(question, set_key("summary", "x")), "/summary"),
        ("doctor with an extra key",
         mutate(question, lambda r: r["answers"][0]["doctor"].update(expertise="x")),
         "/answers/0/doctor"),
        ("cause item with an extra key",
         mutate(article, lambda r: r["causes"][0].update(extra=1)), "/causes/0"),
        ("generic with answers", mutate(generic, set_key("answers", [])), "/answers"),
        ("generic without description", mutate(generic, del_key("description")), "/"),
        ("crawl record with change \"same\"",
         mutate(valid_crawled(), set_key("change", "same")), "/change"),
        ("crawl record with http.status as string",
         mutate(valid_crawled(), lambda r: r["http"].update(status="200")), "/http/status"),
        ("warnings as a string", mutate(article, set_key("warnings", "views: not found")), "/warnings"),
    ]


# ------------------------------------------------------------------ the driver

def check_schema(tally, schema):
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as error:
        tally.fail("schema is valid draft 2020-12", [f"{pointer(error.absolute_path)}: {error.message}"])
        return False
    tally.ok("schema is valid draft 2020-12")
    return True


def check_valid_samples(tally, validator):
    for name, record in (("article", valid_article()), ("question", valid_question()),
                         ("generic", valid_generic()), ("crawled", valid_crawled())):
        problems = describe_errors(validator, record) + order_problems(record)
        label = f"hand-written valid {name} record accepted"
        if problems:
            tally.fail(label, problems)
        else:
            tally.ok(label)


def check_negative(tally, validator):
    for name, record, where in negative_cases():
        label = f"rejects {name}"
        errors = list(validator.iter_errors(record))
        if not errors:
            tally.fail(label, ["the schema accepted it"])
            continue
        paths = sorted({pointer(e.absolute_path) for e in errors})
        if where not in paths:
            tally.fail(label, [f"rejected, but at {paths}, not at {where}"])
            continue
        tally.ok(label)


def fixtures(source_dir):
    """(html, url or None) for every fixtures/*/*.html with a sibling .expected.json."""
    found = []
    for html in sorted(source_dir.glob("fixtures/*/*.html")):
        if not html.with_suffix(".expected.json").is_file():
            continue
        url_file = html.with_suffix(".url")
        url = url_file.read_text(encoding="utf-8").strip() if url_file.is_file() else None
        found.append((html, url or None))
    return found


def run_extract(binary, html, url):
    """Returns (records-as-text-lines, problems)."""
    command = [str(binary), "extract"] + (["--url", url] if url else []) + [str(html)]
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=EXTRACT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, [f"timed out after {EXTRACT_TIMEOUT_S} s: {' '.join(command)}"]
    except OSError as error:
        return None, [f"cannot run {binary}: {error}"]
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, [f"exit code {done.returncode}: {' '.join(command)}"] + stderr[:10]
    try:
        text = done.stdout.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, [f"output is not valid UTF-8: {error}"]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    elif text:
        return None, ["output does not end with a newline"]
    if not lines:
        return None, ["no record on standard output"]
    return lines, []


def check_fixture(tally, validator, binary, source_dir, html, url):
    name = str(html.relative_to(source_dir))
    lines, problems = run_extract(binary, html, url)
    if problems:
        tally.fail(f"{name}: extract", problems)
        return
    for number, line in enumerate(lines, start=1):
        where = f"{name}: line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            tally.fail(f"{where}: is JSON", [str(error), line[:200]])
            continue
        errors = describe_errors(validator, record)
        if errors:
            tally.fail(f"{where}: validates against the schema", errors)
        else:
            tally.ok(f"{where}: validates against the schema")
        if isinstance(record, dict):
            order = order_problems(record)
            if order:
                tally.fail(f"{where}: keys in documented order", order)
            else:
                tally.ok(f"{where}: keys in documented order")


def check_crawl(tally, validator, binary, source_dir):
    """Crawl the bundled mirror on loopback; every crawl record must validate."""
    import socket
    import subprocess
    import tempfile
    import time
    import urllib.request
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(source_dir / "fixtures" / "site")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        with tempfile.TemporaryDirectory() as work:
            out = Path(work) / "crawl.jsonl"
            run = subprocess.run([str(binary), "crawl", "--fresh", "--out", str(out), "--state",
                                  str(Path(work) / "crawl.db"), "--site", "mfk.com", "--allow-private",
                                  "--delay", "0", "--concurrency", "4", "--per-host", "4",
                                  f"http://127.0.0.1:{port}/jingxuan/index.shtml"],
                                 capture_output=True, timeout=120)
            lines = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
            label = f"crawl of fixtures/site: exit 0 and records ({len(lines)})"
            if run.returncode != 0 or not lines:
                tally.fail(label, [run.stderr.decode(errors="replace")[-500:]])
                return
            tally.ok(label)
            problems = []
            for number, line in enumerate(lines, 1):
                record = json.loads(line)
                problems += [f"line {number}: {p}" for p in
                             describe_errors(validator, record) + order_problems(record)]
                if record.get("change") != "new" or record.get("fetched_at") is None:
                    problems.append(f"line {number}: change/fetched_at not set")
            label = "crawl records validate against the schema"
            if problems:
                tally.fail(label, problems[:10])
            else:
                tally.ok(label)
    finally:
        server.terminate()
        server.wait(timeout=10)


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} <path-to-medscrape-binary>", file=sys.stderr)
        return 2
    binary = Path(argv[1])
    default_root = Path(__file__).resolve().parent.parent
    source_dir = Path(os.environ.get("MEDSCRAPE_SOURCE_DIR") or default_root).resolve()
    schema_path = source_dir / "schema" / "record.schema.json"
    tally = Tally()

    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        tally.fail(f"load {schema_path}", [str(error)])
        print(f"{tally.passed} passed, {tally.failed} failed")
        return 1

    if check_schema(tally, schema):
        validator = jsonschema.Draft202012Validator(schema)
        check_valid_samples(tally, validator)
        check_negative(tally, validator)

        cases = fixtures(source_dir)
        if not cases:
            tally.fail("fixtures found", [f"no fixtures/*/*.html with a .expected.json under {source_dir}"])
        elif not (binary.is_file() and os.access(binary, os.X_OK)):
            tally.fail("binary is executable", [f"{binary}: not an executable file; "
                                                f"{len(cases)} fixtures not run"])
        else:
            for html, url in cases:
                check_fixture(tally, validator, binary, source_dir, html, url)
            check_crawl(tally, validator, binary, source_dir)

    print(f"{tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
