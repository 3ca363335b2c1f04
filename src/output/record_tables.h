// Records as analyst tables (`medscrape export`, docs/record-schema.md "Tables"): one row
// per record in `pages`, one per answer in `answers`, one per cause or advice item in
// `items`. The column lists are fixed; a record key that no column holds lands in the page's
// `extra` column as JSON, so nothing a site file extracts is lost.
//
// Thread-safety: a RecordReader is used by one thread at a time; the rest is reentrant.
#ifndef MEDSCRAPE_OUTPUT_RECORD_TABLES_H_
#define MEDSCRAPE_OUTPUT_RECORD_TABLES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace medscrape {

// A cell: NULL, an integer or text.
using Cell = std::variant<std::monostate, int64_t, std::string>;
using Row = std::vector<Cell>;

struct TableColumn {
  const char* name;
  const char* type;  // "INTEGER" or "TEXT" (SQLite's affinity; CSV writes both as text).
};

struct TableSpec {
  const char* name;  // pages, answers, items
  std::vector<TableColumn> columns;
};

// The three tables, in that order. Each row starts with `page_id`: the record's number in the
// export (1, 2, ...; `pages`' own key), which ties answers and items to their version of a page.
const std::vector<TableSpec>& ExportTables();

struct RecordRows {
  Row page;
  std::vector<Row> answers, items;
};

// Reads records, one JSON Lines line at a time, with simdjson (nlohmann's DOM parse was most
// of an export's time). Reuse one reader for many lines.
class RecordReader {
 public:
  RecordReader();
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // Parses `line`; false with *error ("not JSON: ...") when it is not one JSON value.
  bool Parse(std::string_view line, std::string* error);
  // The last parsed value's string member `key`, or "" (absent, not a string, no object).
  std::string_view String(const char* key) const;
  // The rows of the last parsed record (`page_id` its number). False with *error ("not a
  // record: ...") for JSON that is no record (not an object, or no string `url`).
  bool Flatten(int64_t page_id, RecordRows* rows, std::string* error) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "YYYY-MM-DD" from a `published` value ("2026-01-15", "2016-03-05T12:33:21+08:00"), or ""
// when it starts with no date.
std::string PublishedDate(const std::string& published);

}  // namespace medscrape

#endif  // MEDSCRAPE_OUTPUT_RECORD_TABLES_H_
