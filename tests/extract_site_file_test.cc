// Site files: what a good one turns into, and for each kind of mistake the error,
// which must name the file, line and column and the key's path.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "extract/registry.h"
#include "extract/site_file.h"

namespace medscrape {
namespace {

// A small valid site file; tests swap one line for a broken one.
constexpr const char* kGood = R"(site: test.example
version: 3
hosts: 'test\.example'
timezone: '+08:00'
follow:
  - '/list/\d+'
pages:
  question:
    url: '/q/\d+'
    detect: div.q
    fields:
      title:
        - {css: 'div.q h1', required: true}
        - {css: title}
      views: []
      answers:
        list: ul.answers > li
        require: span.who
        fields:
          doctor.name: [{css: span.who b, required: true}]
          text: [{css: p, type: joined}]
)";

constexpr const char* kGeneric = R"(site: generic
version: 1
pages:
  generic:
    fields:
      title: [{css: title}]
)";

std::string ErrorOf(const std::string& text) {
  Result<SiteSpec> spec = ParseSiteFile({"sites/test.yaml", text});
  if (spec.ok()) return "(no error)";
  return spec.status().message();
}

// kGood with the first occurrence of `from` replaced by `to`.
std::string With(const std::string& from, const std::string& to) {
  std::string text = kGood;
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

TEST_CASE("site file: a good file becomes its tables", "[site-file]") {
  Result<SiteSpec> parsed = ParseSiteFile({"sites/test.yaml", kGood});
  INFO((parsed.ok() ? "" : parsed.status().message()));
  REQUIRE(parsed.ok());
  const SiteSpec& site = parsed.value();
  CHECK(site.name == "test.example");
  CHECK(site.source == "sites/test.yaml");
  CHECK(site.version == 3);
  CHECK(site.host_pattern == R"(test\.example)");
  CHECK(site.utc_offset == "+08:00");
  CHECK(site.hub_paths == std::vector<std::string>{R"(/list/\d+)"});
  REQUIRE(site.page_types.size() == 1);
  const PageTypeSpec& page = site.page_types[0];
  CHECK(page.name == "question");
  CHECK(page.path_pattern == R"(/q/\d+)");
  CHECK(page.detect_selector == "div.q");
  CHECK(page.keys == std::vector<std::string>{"title", "views", "answers"});
  REQUIRE(page.fields.size() == 2);
  CHECK(page.fields[0].key == "title");
  CHECK(page.fields[0].selector == "div.q h1");
  CHECK(page.fields[0].expected);
  CHECK_FALSE(page.fields[1].expected);
  REQUIRE(page.groups.size() == 1);
  const GroupRule& answers = page.groups[0];
  CHECK(answers.key == "answers");
  CHECK(answers.is_list);
  CHECK(answers.item_selector == "ul.answers > li");
  CHECK(answers.require_selector == "span.who");
  CHECK(answers.keys == std::vector<std::string>{"doctor.name", "text"});
  REQUIRE(answers.fields.size() == 2);
  CHECK(answers.fields[1].type == FieldType::kJoined);
}

TEST_CASE("site file: YAML that does not parse names its line and column", "[site-file]") {
  CHECK(ErrorOf("site: [unclosed\n") == "sites/test.yaml:2:1: end of sequence flow not found");
  CHECK(ErrorOf("- a list\n- not a mapping\n") ==
        "sites/test.yaml:1:1: expected a mapping of site, version, hosts, timezone, follow, pages");
}

TEST_CASE("site file: unknown, repeated and missing keys", "[site-file]") {
  CHECK(ErrorOf(With("timezone:", "time_zone:")) ==
        "sites/test.yaml:4:1: key 'time_zone': unknown key (known here: site, version, hosts, "
        "timezone, follow, pages)");
  CHECK(ErrorOf(With("    detect:", "    detector:")) ==
        "sites/test.yaml:10:5: key 'pages.question.detector': unknown key (known here: url, "
        "detect, fields)");
  CHECK(ErrorOf(With("{css: title}", "{css: title, requird: true}")) ==
        "sites/test.yaml:14:24: key 'pages.question.fields.title[1].requird': unknown key (known "
        "here: css, type, attr, index, pattern, unit, required)");
  CHECK(ErrorOf(With("version: 3\n", "version: 3\nversion: 4\n")) ==
        "sites/test.yaml:3:1: key 'version': given twice");
  CHECK(ErrorOf(With("version: 3\n", "")) == "sites/test.yaml:1:1: missing key 'version'");
  CHECK(ErrorOf(With("hosts: 'test\\.example'\n", "")) ==
        "sites/test.yaml:1:1: missing key 'hosts'");
  CHECK(ErrorOf(With("    fields:\n      title:", "    fieldz:\n      title:")) ==
        "sites/test.yaml:11:5: key 'pages.question.fieldz': unknown key (known here: url, detect, "
        "fields)");
}

TEST_CASE("site file: values of the wrong type", "[site-file]") {
  CHECK(ErrorOf(With("version: 3", "version: three")) ==
        "sites/test.yaml:2:10: key 'version': expected a whole number from 1");
  CHECK(ErrorOf(With("follow:\n  - '/list/\\d+'", "follow: '/list/'")) ==
        "sites/test.yaml:5:9: key 'follow': expected a list of patterns");
  CHECK(ErrorOf(With("      views: []", "      views: 7")) ==
        "sites/test.yaml:15:14: key 'pages.question.fields.views': expected a list of sources, "
        "or a group (list: or object:)");
  CHECK(ErrorOf(With("required: true}\n        - {css: title}",
                     "required: yes}\n        - {css: title}")) ==
        "sites/test.yaml:13:39: key 'pages.question.fields.title[0].required': expected true or "
        "false");
  CHECK(ErrorOf(With("{css: title}", "{css: title, index: -1}")) ==
        "sites/test.yaml:14:31: key 'pages.question.fields.title[1].index': expected a match "
        "number from 0");
  CHECK(ErrorOf(With("timezone: '+08:00'", "timezone: 'Asia/Shanghai'")) ==
        "sites/test.yaml:4:11: key 'timezone': expected a UTC offset like +08:00, or Z");
  CHECK(ErrorOf(With("site: test.example", "site: Test Example")) ==
        "sites/test.yaml:1:7: key 'site': a site name is lower-case letters, digits, dots and "
        "dashes, like mfk.com");
}

TEST_CASE("site file: selectors outside the subset and patterns RE2 refuses", "[site-file]") {
  CHECK(ErrorOf(With("{css: 'div.q h1'", "{css: 'div.q h1::before'")) ==
        "sites/test.yaml:13:17: key 'pages.question.fields.title[0].css': bad selector "
        "'div.q h1::before': unsupported pseudo-element at offset 8");
  CHECK(ErrorOf(With("    detect: div.q", "    detect: 'div:hover'")) ==
        "sites/test.yaml:10:13: key 'pages.question.detect': bad selector 'div:hover': "
        "unsupported pseudo-class ':hover' at offset 3");
  CHECK(ErrorOf(With("hosts: 'test\\.example'", "hosts: 'test(\\.example'")) ==
        "sites/test.yaml:3:8: key 'hosts': bad pattern 'test(\\.example': missing ): "
        "test(\\.example");
  CHECK(ErrorOf(With("  - '/list/\\d+'", "  - '/list/[0-'")) ==
        "sites/test.yaml:6:5: key 'follow[0]': bad pattern '/list/[0-': missing ]: [0-");
  CHECK(ErrorOf(With("{css: title}", "{css: title, pattern: 'a**'}")) ==
        "sites/test.yaml:14:33: key 'pages.question.fields.title[1].pattern': bad pattern 'a**': "
        "bad repetition operator: **");
}

TEST_CASE("site file: rules that do not fit together", "[site-file]") {
  CHECK(ErrorOf(With("{css: title}", "{css: title, type: number}")) ==
        "sites/test.yaml:14:30: key 'pages.question.fields.title[1].type': unknown type 'number' "
        "(text, own_text, attr, url, count, date, joined, label, after)");
  CHECK(ErrorOf(With("{css: title}", "{css: title, type: attr}")) ==
        "sites/test.yaml:14:11: key 'pages.question.fields.title[1]': this type needs 'attr'");
  CHECK(ErrorOf(With("{css: title}", "{type: label}")) ==
        "sites/test.yaml:14:11: key 'pages.question.fields.title[1]': this type needs 'css'");
  CHECK(
      ErrorOf(With("{css: title}", "{css: title, unit: 次}")) ==
      "sites/test.yaml:14:30: key 'pages.question.fields.title[1].unit': only a count has a unit");
  CHECK(
      ErrorOf(With("        list: ul.answers > li",
                   "        object: div.card\n        list: ul.answers > li")) ==
      "sites/test.yaml:17:9: key 'pages.question.fields.answers': a group has one of 'list' (every "
      "match an item) or 'object' (the first match, or null)");
  CHECK(
      ErrorOf(With("      views: []", "      url: []")) ==
      "sites/test.yaml:15:7: key 'pages.question.fields.url': the pipeline writes this key itself");
  CHECK(
      ErrorOf(With("          text:", "          doctor:")) ==
      "sites/test.yaml:21:11: key 'pages.question.fields.answers.fields.doctor': clashes with the "
      "key 'doctor.name'");
  CHECK(ErrorOf(std::string(kGeneric) + "hosts: 'x'\n") ==
        "sites/test.yaml:7:8: key 'hosts': the generic site takes any host: no hosts here");
}

TEST_CASE("LoadSites: a folder adds and replaces sites, conflicts are errors", "[site-file]") {
  char pattern[] = "/tmp/medscrape_sites_XXXXXX";
  REQUIRE(::mkdtemp(pattern) != nullptr);
  const std::filesystem::path dir = pattern;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
  };
  const std::vector<SiteFileSource> builtin = {{"built-in:test.yaml", kGood},
                                               {"built-in:generic.yaml", kGeneric}};
  Result<SiteSet> none = LoadSites(builtin, "");
  REQUIRE(none.ok());
  CHECK(none.value().sites.size() == 1);
  CHECK(none.value().generic.name.empty());

  // A new site is added after the shipped ones; one with a shipped name replaces it.
  write("b.yaml", With("site: test.example", "site: other.example"));
  write("a.yaml", With("version: 3", "version: 4"));
  write("notes.txt", "not a site file");
  Result<SiteSet> loaded = LoadSites(builtin, dir.string());
  INFO((loaded.ok() ? "" : loaded.status().message()));
  REQUIRE(loaded.ok());
  REQUIRE(loaded.value().sites.size() == 2);
  CHECK(loaded.value().sites[0].name == "test.example");
  CHECK(loaded.value().sites[0].version == 4);
  CHECK(loaded.value().sites[0].source == (dir / "a.yaml").string());
  CHECK(loaded.value().sites[1].name == "other.example");
  CHECK(Registry::Create(std::move(loaded).value()).ok());

  write("c.yaml", With("version: 3", "version: 5"));
  Result<SiteSet> twice = LoadSites(builtin, dir.string());
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.status().message() == (dir / "c.yaml").string() +
                                        ": site 'test.example' is also "
                                        "defined by " +
                                        (dir / "a.yaml").string());
  std::filesystem::remove(dir / "c.yaml");

  write("broken.yaml", With("version: 3", "version: x"));
  Result<SiteSet> broken = LoadSites(builtin, dir.string());
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.status().message() ==
        (dir / "broken.yaml").string() + ":2:10: key 'version': expected a whole number from 1");

  Result<SiteSet> missing = LoadSites(builtin, (dir / "nope").string());
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.status().message(), Catch::Contains("nope"));

  Result<SiteSet> no_generic = LoadSites({builtin[0]}, "");
  REQUIRE_FALSE(no_generic.ok());
  CHECK(no_generic.status().message() == "no site file named 'generic' was loaded");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace medscrape
