#include <csignal>
#include <string>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  // Past a file-size limit (ulimit -f) a write raises SIGXFSZ, which kills by
  // default; ignored, the write fails with EFBIG and the output error path runs:
  // the output is cut back to its last whole line and the run ends with exit 3.
  std::signal(SIGXFSZ, SIG_IGN);
  return medscrape::RunCommandLine(std::vector<std::string>(argv + 1, argv + argc));
}
