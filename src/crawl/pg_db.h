// A small layer over libpq, just what the PostgreSQL state store needs: a connection made
// from a postgresql:// URL, statements with text parameters, result rows read as text or
// integers, and transactions that are run again when the server goes away and comes back
// (a restart, a failover, a dropped connection) until a deadline. Errors come back as
// Status values naming the server and the SQLSTATE.
//
// Thread-safety: none. A PgDb belongs to one thread.
#ifndef MEDSCRAPE_CRAWL_PG_DB_H_
#define MEDSCRAPE_CRAWL_PG_DB_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"

struct pg_conn;
struct pg_result;

namespace medscrape {

// One statement parameter as text; nullopt is SQL NULL.
using PgParam = std::optional<std::string>;
inline PgParam PgInt(int64_t value) { return std::to_string(value); }
inline PgParam PgText(const std::string& value) { return value; }
inline PgParam PgTextOrNull(const std::string& value) {
  return value.empty() ? PgParam() : PgParam(value);
}

// The rows of one statement's result.
class PgRows {
 public:
  PgRows() = default;
  explicit PgRows(pg_result* result) : result_(result) {}
  PgRows(PgRows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgRows& operator=(PgRows&& other) noexcept;
  PgRows(const PgRows&) = delete;
  PgRows& operator=(const PgRows&) = delete;
  ~PgRows();

  int size() const;
  bool IsNull(int row, int column) const;
  std::string Text(int row, int column) const;  // "" for NULL.
  int64_t Int(int row, int column) const;       // 0 for NULL.
  // Rows an UPDATE, INSERT or DELETE changed.
  int64_t Changed() const;

 private:
  pg_result* result_ = nullptr;
};

class PgDb {
 public:
  // Connects to `url` (postgresql://USER@HOST[:PORT]/DB[?...], or any libpq connection
  // string). `patience_ms`: how long Transaction keeps trying while the server is away.
  static Result<std::unique_ptr<PgDb>> Connect(const std::string& url, int64_t patience_ms);
  ~PgDb();
  PgDb(const PgDb&) = delete;
  PgDb& operator=(const PgDb&) = delete;

  // Runs one statement ($1, $2, ... take `params`); outside Transaction, again when the
  // server was away, until patience runs out.
  Result<PgRows> Exec(const std::string& sql, const std::vector<PgParam>& params = {});

  // Runs `body` between BEGIN and COMMIT. When the connection is lost (before or during the
  // commit), or the transaction is chosen as a deadlock or serialization victim, reconnects
  // and runs `body` again, every 0.5 s, until patience runs out; `body` must therefore
  // leave nothing behind outside the database that a second run would double. Any other
  // error rolls back and is returned.
  Status Transaction(const std::function<Status()>& body);

  // A statement a new connection runs again (a session's advisory lock).
  void KeepForSession(const std::string& sql, const std::vector<PgParam>& params) {
    session_.push_back({sql, params});
  }

  // Whether the last failure was the connection's (the server went away), not the SQL's.
  bool lost() const { return lost_; }
  const std::string& where() const { return where_; }  // user@host:port/db, for messages.

 private:
  PgDb(pg_conn* conn, std::string url, int64_t patience_ms);
  Status Reconnect();
  Result<PgRows> ExecOnce(const std::string& sql, const std::vector<PgParam>& params);
  pg_result* Prepare(const std::string& sql, int n_params);
  bool Retryable(const Status& status) const;

  pg_conn* conn_;
  std::string url_;
  std::string where_;
  int64_t patience_ms_;
  bool lost_ = false;
  bool in_transaction_ = false;
  std::vector<std::pair<std::string, std::vector<PgParam>>> session_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name.
  std::string last_sqlstate_;
};

// Array literals for one parameter ($1::text[], $1::bigint[]): a set of values travels as
// one parameter, whatever its size.
template <typename Strings>
std::string PgArray(const Strings& items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}
template <typename Ints>
std::string PgIntArray(const Ints& items) {
  std::string out = "{";
  for (const auto item : items) {
    if (out.size() > 1) out += ',';
    out += std::to_string(item);
  }
  return out + "}";
}

// Whether `location` names a PostgreSQL server rather than a file.
bool IsPostgresUrl(const std::string& location);
// This machine's host name (a shared job's default worker name, and each worker's row);
// "" when it cannot be told.
std::string MachineName();

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_PG_DB_H_
