#include "crawl/pg_db.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace medscrape {
namespace {

constexpr int kRetryPauseMs = 500;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void IgnoreNotice(void*, const char*) {}  // "relation already exists, skipping" and the like.

std::string Describe(PGconn* conn) {
  std::string where;
  if (const char* user = PQuser(conn)) where += std::string(user) + "@";
  if (const char* host = PQhost(conn)) where += host;
  if (const char* port = PQport(conn)) where += std::string(":") + port;
  if (const char* db = PQdb(conn)) where += std::string("/") + db;
  return where;
}

std::string Trimmed(const char* text) {
  std::string out = text == nullptr ? "" : text;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

std::string MachineName() {
  char name[256] = {0};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

bool IsPostgresUrl(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

PgRows& PgRows::operator=(PgRows&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

PgRows::~PgRows() {
  if (result_ != nullptr) PQclear(result_);
}

int PgRows::size() const { return result_ == nullptr ? 0 : PQntuples(result_); }

bool PgRows::IsNull(int row, int column) const {
  return result_ == nullptr || PQgetisnull(result_, row, column) != 0;
}

std::string PgRows::Text(int row, int column) const {
  if (IsNull(row, column)) return "";
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<size_t>(PQgetlength(result_, row, column)));
}

int64_t PgRows::Int(int row, int column) const {
  if (IsNull(row, column)) return 0;
  return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
}

int64_t PgRows::Changed() const {
  if (result_ == nullptr) return 0;
  const char* n = PQcmdTuples(result_);
  return n == nullptr || *n == '\0' ? 0 : std::strtoll(n, nullptr, 10);
}

PgDb::PgDb(pg_conn* conn, std::string url, int64_t patience_ms)
    : conn_(conn), url_(std::move(url)), where_(Describe(conn)), patience_ms_(patience_ms) {
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
}

PgDb::~PgDb() { PQfinish(conn_); }

Result<std::unique_ptr<PgDb>> PgDb::Connect(const std::string& url, int64_t patience_ms) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) return Status::Error(url + ": cannot connect (out of memory)");
  if (PQstatus(conn) != CONNECTION_OK) {
    Status error = Status::Error(url + ": cannot connect: " + Trimmed(PQerrorMessage(conn)));
    PQfinish(conn);
    return error;
  }
  return std::unique_ptr<PgDb>(new PgDb(conn, url, patience_ms));
}

// Outside a transaction a statement that lost the server runs again once it is back (every
// statement the store runs alone may run twice); inside one, Transaction runs it all again.
Result<PgRows> PgDb::Exec(const std::string& sql, const std::vector<PgParam>& params) {
  const int64_t give_up_at = SteadyMs() + patience_ms_;
  for (;;) {
    Result<PgRows> rows = ExecOnce(sql, params);
    if (rows.ok() || !lost_ || in_transaction_ || SteadyMs() >= give_up_at) return rows;
    std::this_thread::sleep_for(std::chrono::milliseconds(kRetryPauseMs));
    (void)Reconnect();
  }
}

Result<PgRows> PgDb::ExecOnce(const std::string& sql, const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& param : params) values.push_back(param ? param->c_str() : nullptr);
  // Without parameters, the simple protocol: a migration is several statements. With them,
  // a statement prepared once per connection: planning costs more than running the loop's
  // short index reads, and the server keeps its plan.
  PGresult* result = nullptr;
  if (params.empty()) {
    result = PQexec(conn_, sql.c_str());
  } else {
    result = Prepare(sql, static_cast<int>(values.size()));
    if (result == nullptr) {
      const std::string& name = prepared_[sql];
      result = PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(),
                              nullptr, nullptr, 0);
    }
  }
  PgRows rows(result);
  const ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    lost_ = false;
    last_sqlstate_.clear();
    return rows;
  }
  lost_ = PQstatus(conn_) != CONNECTION_OK;
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  last_sqlstate_ = state == nullptr ? "" : state;
  // Class 08 (connection exception), 57P01-57P03 (shutdown, cannot connect now).
  if (last_sqlstate_.rfind("08", 0) == 0 || last_sqlstate_.rfind("57P0", 0) == 0) lost_ = true;
  std::string message = Trimmed(result != nullptr ? PQresultErrorMessage(result) : nullptr);
  if (message.empty()) message = Trimmed(PQerrorMessage(conn_));
  // The statement's start names it: "UPDATE urls SET", "INSERT INTO records".
  const size_t start = std::min(sql.size(), sql.find_first_not_of(" \n"));
  const std::string head =
      sql.substr(start, std::min(sql.find_first_of("(\n", start), start + 40) - start);
  return Status::Error(where_ + ": " + head + ": " + message +
                       (last_sqlstate_.empty() ? "" : " (SQLSTATE " + last_sqlstate_ + ")"));
}

// Prepares `sql` on this connection unless it was; nullptr when it is ready, else the
// failed result (its error handled as the statement's).
PGresult* PgDb::Prepare(const std::string& sql, int n_params) {
  if (prepared_.count(sql) > 0) return nullptr;
  const std::string name = "medscrape_" + std::to_string(prepared_.size());
  PGresult* result = PQprepare(conn_, name.c_str(), sql.c_str(), n_params, nullptr);
  if (result != nullptr && PQresultStatus(result) == PGRES_COMMAND_OK) {
    PQclear(result);
    prepared_[sql] = name;
    return nullptr;
  }
  return result != nullptr ? result : PQmakeEmptyPGresult(conn_, PGRES_FATAL_ERROR);
}

Status PgDb::Reconnect() {
  PQreset(conn_);
  prepared_.clear();  // A new session has none.

  lost_ = PQstatus(conn_) != CONNECTION_OK;
  if (lost_) return Status::Error(where_ + ": " + Trimmed(PQerrorMessage(conn_)));
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
  for (const auto& [sql, params] : session_) {
    Result<PgRows> rows = ExecOnce(sql, params);
    if (!rows.ok()) return rows.status();
  }
  return Status::Ok();
}

// 40001 serialization failure, 40P01 deadlock: the transaction may simply run again.
bool PgDb::Retryable(const Status& status) const {
  return !status.ok() && (lost_ || last_sqlstate_ == "40001" || last_sqlstate_ == "40P01");
}

Status PgDb::Transaction(const std::function<Status()>& body) {
  const int64_t give_up_at = SteadyMs() + patience_ms_;
  for (;;) {
    Status status = lost_ ? Reconnect() : Status::Ok();
    in_transaction_ = true;
    if (status.ok()) status = Exec("BEGIN").status();
    if (status.ok()) status = body();
    if (status.ok()) status = Exec("COMMIT").status();
    in_transaction_ = false;
    if (status.ok()) return status;
    const bool again = lost_ || Retryable(status);
    if (!lost_) (void)Exec("ROLLBACK");
    if (!again || SteadyMs() >= give_up_at) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(kRetryPauseMs));
  }
}

}  // namespace medscrape
