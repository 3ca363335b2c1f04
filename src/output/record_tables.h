// Records as analyst tables (`medscrape export`, docs/record-schema.md "Tables"): one row
// per record in `pages`, one per answer in `answers`, one per cause or advice item in
// `items`. The column lists are fixed; a record key that no column holds lands in the page's
// `extra` column as JSON, so nothing a site file extracts is lost.
//
// Thread-safety: reentrant.
#ifndef MEDSCRAPE_OUTPUT_RECORD_TABLES_H_
#define MEDSCRAPE_OUTPUT_RECORD_TABLES_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
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

// The rows of one record (`page_id` its number). Fails, saying why, on JSON that is no record
// (not an object, or no string `url`).
bool FlattenRecord(const nlohmann::ordered_json& record, int64_t page_id, RecordRows* rows,
                   std::string* error);

// "YYYY-MM-DD" from a `published` value ("2026-01-15", "2016-03-05T12:33:21+08:00"), or ""
// when it starts with no date.
std::string PublishedDate(const std::string& published);

}  // namespace medscrape

#endif  // MEDSCRAPE_OUTPUT_RECORD_TABLES_H_
