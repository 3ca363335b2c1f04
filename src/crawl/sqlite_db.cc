#include "crawl/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

namespace medscrape {

Query::Query(Query&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
}

Query::~Query() {
  if (stmt_ != nullptr) Reset();
}

void Query::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

void Query::NoteBind(int rc) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Query& Query::Bind(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Query& Query::Bind(int index, const std::string& value) {
  NoteBind(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Query& Query::BindTextOrNull(int index, const std::string& value) {
  if (!value.empty()) return Bind(index, value);
  return BindNull(index);
}

Query& Query::BindNull(int index) {
  NoteBind(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Query::Step() {
  if (bind_rc_ != SQLITE_OK) {
    return Status::Error(std::string("binding a parameter: ") + sqlite3_errstr(bind_rc_));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error("");
}

Status Query::Run() {
  Result<bool> row = Step();
  return row.ok() ? Status::Ok() : row.status();
}

int64_t Query::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Query::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Query::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, int busy_timeout_ms) {
  sqlite3* handle = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &handle,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  // sqlite3_open_v2 hands back a handle even on failure; the destructor closes it.
  std::unique_ptr<SqliteDb> db(new SqliteDb(path, handle));
  if (handle == nullptr) return Status::Error(path + ": out of memory opening the database");
  if (rc != SQLITE_OK) return db->Error("opening the database");
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, busy_timeout_ms);
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& entry : statements_) sqlite3_finalize(entry.second);
  sqlite3_close_v2(db_);
}

Result<Query> SqliteDb::Prepare(const std::string& sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) return Query(this, found->second);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK) {
    return Error("preparing " + sql);
  }
  statements_.emplace(sql, stmt);
  return Query(this, stmt);
}

Status SqliteDb::Exec(const std::string& sql) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return Error(sql);
  return Status::Ok();
}

int64_t SqliteDb::Changes() const { return sqlite3_changes64(db_); }

int64_t SqliteDb::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

bool SqliteDb::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Status SqliteDb::Error(const std::string& what) const {
  const std::string context = what.empty() ? "" : what + ": ";
  return Status::Error(path_ + ": " + context + sqlite3_errmsg(db_));
}

Result<Transaction> Transaction::Begin(SqliteDb* db) {
  Status begun = db->Exec("BEGIN IMMEDIATE");
  if (!begun.ok()) return begun;
  return Transaction(db);
}

Transaction::~Transaction() {
  // After some failures (SQLITE_FULL, SQLITE_IOERR) SQLite has already rolled back.
  // A ROLLBACK that fails leaves nothing to do: SQLite rolls back on close too.
  if (db_ != nullptr && db_->InTransaction()) static_cast<void>(db_->Exec("ROLLBACK"));
}

Status Transaction::Commit() {
  Status committed = db_->Exec("COMMIT");
  if (committed.ok()) db_ = nullptr;
  return committed;
}

}  // namespace medscrape
