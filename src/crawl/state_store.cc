// Picks the state store backend for a job location.
#include "crawl/state_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "crawl/pg_db.h"
#include "crawl/pg_state_store.h"
#include "crawl/sqlite_state_store.h"

namespace medscrape {

Result<std::unique_ptr<StateStore>> OpenStateStore(const StateStoreOptions& options) {
  if (IsPostgresUrl(options.location)) return PgStateStore::Open(options);
  return SqliteStateStore::Open(options.location, options.fresh);
}

// One process owns the job: read, merge, write.
Result<std::string> StateStore::MergeJobList(const std::string& key,
                                             const std::string& json_array) {
  Result<std::optional<std::string>> stored = GetJobValue(key);
  if (!stored.ok()) return stored.status();
  nlohmann::json merged = nlohmann::json::parse(stored.value().value_or("[]"), nullptr, false);
  const nlohmann::json more = nlohmann::json::parse(json_array, nullptr, false);
  if (!merged.is_array() || !more.is_array()) {
    return Status::Error("job value " + key + " is not a JSON array");
  }
  for (const nlohmann::json& item : more) {
    if (std::find(merged.begin(), merged.end(), item) == merged.end()) merged.push_back(item);
  }
  Status status = SetJobValue(key, merged.dump());
  if (!status.ok()) return status;
  return merged.dump();
}

}  // namespace medscrape
