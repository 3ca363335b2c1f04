// One CSV table file of `medscrape export`: UTF-8 with a byte-order mark (so spreadsheet
// programs read Chinese text as UTF-8), a header row, RFC 4180 quoting (a field holding a
// comma, a quote, CR or LF is quoted, its quotes doubled), CRLF between rows, NULL as an
// empty field. Written to PATH.tmp and renamed over PATH by Finish, so a reader never
// sees half a table.
#ifndef MEDSCRAPE_OUTPUT_CSV_TABLE_H_
#define MEDSCRAPE_OUTPUT_CSV_TABLE_H_

#include <cstdio>
#include <string>

#include "base/status.h"
#include "output/record_tables.h"

namespace medscrape {

class CsvTable {
 public:
  // Creates PATH.tmp and writes the header. Check status().
  CsvTable(std::string path, const TableSpec& spec);
  ~CsvTable();  // Removes PATH.tmp unless Finish succeeded.
  CsvTable(const CsvTable&) = delete;
  CsvTable& operator=(const CsvTable&) = delete;

  const Status& status() const { return status_; }
  Status Write(const Row& row);
  // Flushes, closes and renames PATH.tmp to PATH.
  Status Finish();

 private:
  Status Put(const std::string& text);

  std::string path_, temp_path_;
  std::FILE* file_ = nullptr;
  std::string line_;  // Reused.
  Status status_;
  bool finished_ = false;
};

// `field` as RFC 4180 spells it.
std::string CsvField(const std::string& field);

}  // namespace medscrape

#endif  // MEDSCRAPE_OUTPUT_CSV_TABLE_H_
