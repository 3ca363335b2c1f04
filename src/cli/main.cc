#include <csignal>
#include <string>
#include <vector>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "cli/commands.h"

int main(int argc, char** argv) {
  // Past a file-size limit (ulimit -f) a write raises SIGXFSZ, which kills by
  // default; ignored, the write fails with EFBIG and the output error path runs:
  // the output is cut back to its last whole line and the run ends with exit 3.
  std::signal(SIGXFSZ, SIG_IGN);
#if defined(__GLIBC__)
  // glibc gives a heap's free top back to the kernel once it passes M_TRIM_THRESHOLD (128 KiB
  // by default): the worker threads' arenas shrank with madvise(MADV_DONTNEED) after nearly
  // every page, and each call makes the kernel flush the other CPUs' TLBs (1,943 calls in one
  // `extract` of the bench WARC, 6 % of its time; docs/performance.md). Up to 16 MiB of free
  // top is kept instead. Blocks of 128 KiB and more are still mapped on their own and given
  // back when freed (setting the trim threshold fixes the mmap threshold at its default).
  mallopt(M_TRIM_THRESHOLD, 16 << 20);
#endif
  return medscrape::RunCommandLine(std::vector<std::string>(argv + 1, argv + argc));
}
