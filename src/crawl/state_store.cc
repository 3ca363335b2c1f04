// Picks the state store backend for a job location.
#include "crawl/state_store.h"

#include "crawl/pg_db.h"
#include "crawl/pg_state_store.h"
#include "crawl/sqlite_state_store.h"

namespace medscrape {

Result<std::unique_ptr<StateStore>> OpenStateStore(const StateStoreOptions& options) {
  if (IsPostgresUrl(options.location)) return PgStateStore::Open(options);
  return SqliteStateStore::Open(options.location, options.fresh);
}

}  // namespace medscrape
