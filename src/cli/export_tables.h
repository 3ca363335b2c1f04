// Where `medscrape export` writes its tables (output/record_tables.h): three CSV files in a
// folder, or one SQLite file. Either appears whole or not at all: the files are written under
// temporary names and renamed at the end, the SQLite file in one transaction.
#ifndef MEDSCRAPE_CLI_EXPORT_TABLES_H_
#define MEDSCRAPE_CLI_EXPORT_TABLES_H_

#include <memory>
#include <string>

#include "base/status.h"
#include "output/record_tables.h"

namespace medscrape {

class TableSink {
 public:
  virtual ~TableSink() = default;
  virtual Status Add(const RecordRows& rows) = 0;
  // Makes the tables appear; without it (an error, a signal) nothing is left behind.
  virtual Status Finish() = 0;
};

// pages.csv, answers.csv, items.csv in `dir` (created if missing).
Result<std::unique_ptr<TableSink>> OpenCsvTables(const std::string& dir);
// The tables with typed columns, keys, indexes on url and the view answers_with_pages.
Result<std::unique_ptr<TableSink>> OpenSqliteTables(const std::string& path);

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_EXPORT_TABLES_H_
