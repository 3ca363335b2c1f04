// The process's resident memory, for tests that bound what a structure costs.
#ifndef MEDSCRAPE_TESTS_RESIDENT_MEMORY_H_
#define MEDSCRAPE_TESTS_RESIDENT_MEMORY_H_

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <string>

namespace medscrape {
namespace testing {

#if defined(__SANITIZE_ADDRESS__)
// Its shadow memory and quarantine count in RSS: memory bounds are not checked under it.
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif

// VmRSS of this process, KiB.
inline int64_t ResidentKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  FAIL("no VmRSS in /proc/self/status");
  return 0;
}

}  // namespace testing
}  // namespace medscrape

#endif  // MEDSCRAPE_TESTS_RESIDENT_MEMORY_H_
