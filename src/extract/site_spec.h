// What a site file declares (site_file.h reads it from YAML): tables only, no
// code (site knowledge is data, never engine code). The interpreter in
// table_extractor.cc turns a PageTypeSpec plus a Document into record fields.
//
// Selectors and patterns are checked when the file is read (with its line and
// column) and compiled once when the Registry is built.
#ifndef MEDSCRAPE_EXTRACT_SITE_SPEC_H_
#define MEDSCRAPE_EXTRACT_SITE_SPEC_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "html/document.h"

namespace medscrape {

using Json = nlohmann::ordered_json;

enum class FieldType {
  kText,     // Text() of the match.
  kOwnText,  // OwnText() of the match: bare text beside child elements.
  kAttr,     // An attribute of the match, white space collapsed.
  kUrl,      // An attribute resolved against the page URL (http(s) only).
  kCount,    // Text -> integer (万 = x10000); with `unit`, only a number right before it.
  kDate,     // Text -> ISO 8601 date or date-time with the site's UTC offset.
  kJoined,   // Text() of every match, joined with '\n'.
  kLabel,    // Text() of the match without a trailing colon (":" or "："): "病因:" -> "病因".
  kAfter,    // Text() of the scope after the match's text, a leading colon dropped:
             // in <p><strong>病因:</strong>出汗</p> with the match <strong>, "出汗".
};

struct FieldRule {
  std::string key;       // Dotted path in the object: "title", "doctor.name".
  std::string selector;  // CSS (html/selector.h subset), relative to the scope.
  FieldType type = FieldType::kText;
  // Which match to read (0 = first). Ignored by kJoined.
  int index = 0;
  // Read this attribute instead of the text (required by kAttr and kUrl; with
  // kCount or kDate the attribute's value is what gets converted).
  std::string attr;
  std::string pattern;  // Optional RE2; the first capturing group (or the whole match) is kept.
  std::string unit;     // For kCount: e.g. "次浏览".
  // A page of this type should have the field: a miss adds "key: not found".
  bool expected = false;
};
// Several rules may name the same key: they are sources tried in order, and a
// later rule only fills a key an earlier one left null.

// A condition on an item: the first match of `selector` in it exists and its
// Text() matches the RE2 `pattern` (unanchored). Empty selector: no condition.
struct ItemCondition {
  std::string selector;
  std::string pattern;
};

// A repeated or optional block: `answers` (a list) or `disease` (an object or null).
struct GroupRule {
  std::string key;
  std::string item_selector;  // Each match is one item (the scope of `fields`).
  bool is_list = true;        // false: first match only, null when absent.
  // When set, matches without a descendant matching this are skipped (ads).
  std::string require_selector;
  // Items kept: those meeting `when` and not `unless` (mfk's causes and advice
  // are the same paragraphs, told apart by their label).
  ItemCondition when, unless;
  // Item keys (dotted) in output order; each starts null so every item has them all.
  std::vector<std::string> keys;
  std::vector<FieldRule> fields;
};

struct PageTypeSpec {
  std::string name;  // "article", "question", "generic".
  // RE2 matched from the start of the URL's path and query ("/ask/\\d+\\.shtml");
  // "" = never chosen by URL. With the site's host_pattern it routes URLs.
  std::string path_pattern;
  // Recognises the page type from markup when the URL says nothing (--site).
  std::string detect_selector;
  // Record keys after page_type, in output order; each starts null (lists: []).
  std::vector<std::string> keys;
  std::vector<FieldRule> fields;
  std::vector<GroupRule> groups;
};

struct SiteSpec {
  std::string name;    // "mfk.com"; "" for the generic extractor (site null).
  std::string source;  // Where it was read: a path, or "built-in:<file>".
  // RE2 that must match the whole (lower-case) host: "(?:www\\.|m\\.)?mfk\\.com".
  std::string host_pattern;
  // Paths (RE2 from the start of path and query) of list pages a crawl follows
  // but does not extract: "/list/[^/]+/", next-page links.
  std::vector<std::string> hub_paths;
  int version = 1;         // Bumped whenever the site file changes what it extracts.
  std::string utc_offset;  // Site-local time zone for dates with a time: "+08:00".
  std::vector<PageTypeSpec> page_types;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_EXTRACT_SITE_SPEC_H_
