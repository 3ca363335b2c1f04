// Picks the state store backend for a job location.
#include "crawl/state_store.h"

#include "crawl/sqlite_state_store.h"

namespace medscrape {

Result<std::unique_ptr<StateStore>> OpenStateStore(const std::string& location, bool fresh) {
  return SqliteStateStore::Open(location, fresh);
}

}  // namespace medscrape
