// The crawl's extraction workers: the project's WorkerPool (base/worker_pool.h)
// running ExtractTasks (extract_task.h), so parsing and extraction leave the
// engine's event-loop thread. Outcomes come back in the order they finish.
// The engine submits a task only while HasRoom(ExtractionStage::kTasksPerWorker),
// so every task in the pool is running or queued for a worker, a few at most (the
// crash marker set just before Submit is on a page being parsed or about to be).
#ifndef MEDSCRAPE_CRAWL_EXTRACT_POOL_H_
#define MEDSCRAPE_CRAWL_EXTRACT_POOL_H_

#include "base/worker_pool.h"
#include "crawl/extract_task.h"
#include "extract/registry.h"

namespace medscrape {

class ExtractPool : public WorkerPool<ExtractTask, ExtractOutcome> {
 public:
  // `threads` workers (at least 1), started by the first Submit. `registry`
  // must outlive the pool.
  ExtractPool(int threads, const Registry& registry)
      : WorkerPool(threads,
                   [&registry](ExtractTask& task) { return RunExtractTask(task, registry); }) {}
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_EXTRACT_POOL_H_
