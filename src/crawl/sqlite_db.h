// A small RAII layer over the SQLite C API, just what the crawl state store needs:
// a connection that owns a cache of prepared statements, a borrowed statement (Query)
// that resets itself when it goes out of scope, and a write transaction that rolls back
// unless committed. Errors come back as Status values naming the database file.
//
// Thread-safety: none. A SqliteDb and its Queries belong to one thread.
#ifndef MEDSCRAPE_CRAWL_SQLITE_DB_H_
#define MEDSCRAPE_CRAWL_SQLITE_DB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace medscrape {

class SqliteDb;

// A cached prepared statement on loan. The destructor resets it and clears its bindings,
// which also ends the implicit read transaction a half-stepped SELECT holds open: a
// forgotten reader would keep the WAL from being checkpointed (docs/reliability.md, "Dependency
// facts").
class Query {
 public:
  Query(Query&& other) noexcept;
  Query& operator=(Query&&) = delete;
  Query(const Query&) = delete;
  ~Query();

  // Parameters are 1-based as in SQLite. A bind failure is reported by the next Step().
  Query& Bind(int index, int64_t value);
  Query& Bind(int index, const std::string& value);
  // Binds NULL for an empty string: optional text columns store absence as NULL.
  Query& BindTextOrNull(int index, const std::string& value);
  Query& BindNull(int index);

  // Advances to the next row: true if one is available, false when the statement is done.
  Result<bool> Step();
  // Runs a statement that returns no rows.
  Status Run();
  // Makes the statement ready to run again with new bindings.
  void Reset();

  int64_t Int(int column) const;
  std::string Text(int column) const;  // NULL reads as "".
  bool IsNull(int column) const;

 private:
  friend class SqliteDb;
  Query(SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void NoteBind(int rc);

  SqliteDb* db_;
  sqlite3_stmt* stmt_;  // Owned by db_'s cache; null once moved from.
  int bind_rc_ = 0;     // First failed bind (SQLITE_OK = 0 when none).
};

class SqliteDb {
 public:
  // Opens or creates `path` read-write with extended result codes and `busy_timeout_ms`.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, int busy_timeout_ms);
  ~SqliteDb();  // Finalizes every cached statement, then closes the connection.
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Returns the statement for `sql`, prepared on first use and cached for the connection's
  // lifetime. Only one Query per SQL text may be alive at a time.
  Result<Query> Prepare(const std::string& sql);
  // Runs one or more statements that return no rows (DDL, pragmas); not cached.
  Status Exec(const std::string& sql);
  // Rows changed by the most recent INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  int64_t LastInsertRowId() const;
  bool InTransaction() const;
  // "<path>: <what>: <SQLite's message for the last failure>"; `what` may be empty.
  Status Error(const std::string& what) const;

 private:
  SqliteDb(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

  std::string path_;
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// A write transaction started with BEGIN IMMEDIATE, so the write lock is taken up front
// and a concurrent writer waits out busy_timeout instead of failing half-way with
// SQLITE_BUSY. Rolls back on destruction unless Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(SqliteDb* db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status Commit();

 private:
  explicit Transaction(SqliteDb* db) : db_(db) {}
  SqliteDb* db_;  // Null once committed or moved from.
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_SQLITE_DB_H_
