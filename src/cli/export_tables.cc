#include "cli/export_tables.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "crawl/sqlite_db.h"
#include "output/csv_table.h"

namespace medscrape {
namespace {

class CsvSink final : public TableSink {
 public:
  explicit CsvSink(std::vector<std::unique_ptr<CsvTable>> tables) : tables_(std::move(tables)) {}

  Status Add(const RecordRows& rows) override {
    Status status = tables_[0]->Write(rows.page);
    for (const Row& row : rows.answers) {
      if (status.ok()) status = tables_[1]->Write(row);
    }
    for (const Row& row : rows.items) {
      if (status.ok()) status = tables_[2]->Write(row);
    }
    return status;
  }

  Status Finish() override {
    for (auto& table : tables_) {
      Status status = table->Finish();
      if (!status.ok()) return status;
    }
    return Status::Ok();
  }

 private:
  std::vector<std::unique_ptr<CsvTable>> tables_;  // pages, answers, items.
};

// The schema: typed columns, page_id the key of pages and the foreign key of the others.
std::string SchemaSql() {
  std::string sql = "PRAGMA foreign_keys = ON;\n";
  for (const TableSpec& table : ExportTables()) {
    const bool pages = std::string(table.name) == "pages";
    sql += std::string("CREATE TABLE ") + table.name + " (";
    for (size_t i = 0; i < table.columns.size(); ++i) {
      const TableColumn& column = table.columns[i];
      if (i > 0) sql += ", ";
      sql += std::string(column.name) + " " + column.type;
      if (i == 0) sql += pages ? " PRIMARY KEY" : " NOT NULL REFERENCES pages(page_id)";
      if (std::string(column.name) == "url") sql += " NOT NULL";
    }
    if (!pages) sql += ", PRIMARY KEY (page_id, kind, position)";
    sql += ");\n";
  }
  sql +=
      "CREATE VIEW answers_with_pages AS SELECT a.*, p.site, p.page_type, p.title AS page_title,"
      " p.published_date AS page_published_date, p.views AS page_views, p.fetched_at"
      " FROM answers a JOIN pages p ON p.page_id = a.page_id;\n";
  return sql;
}

// Made after the rows are in: building an index once is cheaper than keeping it up to date.
std::string IndexSql() {
  std::string sql;
  for (const TableSpec& table : ExportTables()) {
    sql += std::string("CREATE INDEX ") + table.name + "_url ON " + table.name + " (url);\n";
  }
  return sql;
}

std::string InsertSql(const TableSpec& table) {
  std::string sql = std::string("INSERT INTO ") + table.name + " VALUES (";
  for (size_t i = 0; i < table.columns.size(); ++i) sql += i == 0 ? "?" : ", ?";
  return sql + ")";
}

class SqliteSink final : public TableSink {
 public:
  SqliteSink(std::string path, std::string temp_path, std::unique_ptr<SqliteDb> db,
             Transaction transaction)
      : path_(std::move(path)),
        temp_path_(std::move(temp_path)),
        db_(std::move(db)),
        transaction_(std::move(transaction)) {
    for (const TableSpec& table : ExportTables()) insert_sql_.push_back(InsertSql(table));
  }

  ~SqliteSink() override {
    if (finished_) return;
    transaction_.reset();
    db_.reset();
    std::remove(temp_path_.c_str());
  }

  Status Add(const RecordRows& rows) override {
    Status status = Insert(0, rows.page);
    for (const Row& row : rows.answers) {
      if (status.ok()) status = Insert(1, row);
    }
    for (const Row& row : rows.items) {
      if (status.ok()) status = Insert(2, row);
    }
    return status;
  }

  Status Finish() override {
    Status status = db_->Exec(IndexSql());
    if (status.ok()) status = transaction_->Commit();
    transaction_.reset();
    db_.reset();  // Closes the file.
    if (!status.ok()) return status;
    if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
      return Status::Error(path_ + ": cannot rename " + temp_path_ +
                           " to it: " + std::strerror(errno));
    }
    finished_ = true;
    return Status::Ok();
  }

 private:
  Status Insert(size_t table, const Row& row) {
    Result<Query> insert = db_->Prepare(insert_sql_[table]);
    if (!insert.ok()) return insert.status();
    Query& query = insert.value();
    query.Reset();
    for (size_t i = 0; i < row.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      if (const auto* number = std::get_if<int64_t>(&row[i])) {
        query.Bind(index, *number);
      } else if (const auto* text = std::get_if<std::string>(&row[i])) {
        query.Bind(index, *text);
      } else {
        query.BindNull(index);
      }
    }
    return query.Run();
  }

  std::string path_, temp_path_;
  std::unique_ptr<SqliteDb> db_;
  std::optional<Transaction> transaction_;
  std::vector<std::string> insert_sql_;  // Per table, in ExportTables() order.
  bool finished_ = false;
};

}  // namespace

Result<std::unique_ptr<TableSink>> OpenCsvTables(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Status::Error(dir + ": cannot create the folder: " + error.message());
  std::vector<std::unique_ptr<CsvTable>> tables;
  for (const TableSpec& table : ExportTables()) {
    tables.push_back(std::make_unique<CsvTable>(dir + "/" + table.name + ".csv", table));
    if (!tables.back()->status().ok()) return tables.back()->status();
  }
  return std::unique_ptr<TableSink>(new CsvSink(std::move(tables)));
}

Result<std::unique_ptr<TableSink>> OpenSqliteTables(const std::string& path) {
  const std::string temp_path = path + ".tmp-" + std::to_string(::getpid());
  std::remove(temp_path.c_str());
  Result<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(temp_path, 1000);
  if (!db.ok()) return db.status();
  // The file is renamed into place only once committed: no journal is needed to undo.
  Status status = db.value()->Exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;");
  if (status.ok()) status = db.value()->Exec(SchemaSql());
  if (!status.ok()) {
    std::remove(temp_path.c_str());
    return status;
  }
  Result<Transaction> transaction = Transaction::Begin(db.value().get());
  if (!transaction.ok()) {
    std::remove(temp_path.c_str());
    return transaction.status();
  }
  return std::unique_ptr<TableSink>(
      new SqliteSink(path, temp_path, std::move(db).value(), std::move(transaction).value()));
}

}  // namespace medscrape
