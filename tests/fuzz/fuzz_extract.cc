// libFuzzer target over the whole extract path: decode -> guarded parse ->
// route -> extract -> serialize. The first byte picks the extractor so every
// site's tables see hostile markup. Any crash, sanitizer report, or a line that
// is not one valid JSON object fails the run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "extract/page.h"
#include "extract/registry.h"
#include "extractors/builtin.h"
#include "output/jsonl_writer.h"

namespace {

const char* const kUrls[] = {"https://www.mfk.com/jingxuan/8137265.shtml",
                             "https://www.mfk.com/ask/11160281.shtml",
                             "https://www.120ask.com/question/105233871.htm",
                             "http://club.xywy.com/static/20160305/3215597.htm",
                             "",
                             "https://example.org/page.html"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  medscrape::PageRequest request;
  request.url = kUrls[data[0] % (sizeof(kUrls) / sizeof(kUrls[0]))];
  request.raw = std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1);
  // Small limits so the fuzzer reaches the cut paths with small inputs.
  request.limits.max_input_bytes = 64 << 10;
  request.limits.max_depth = 64;
  request.limits.max_attributes = 32;
  request.limits.max_nodes = 4000;
  medscrape::Result<medscrape::PageResult> result =
      medscrape::ExtractPage(request, medscrape::BuiltinRegistry());
  if (!result.ok()) return 0;
  const std::string line = medscrape::SerializeLine(result.value().record);
  if (line.empty() || line.back() != '\n' || line.find('\n') != line.size() - 1) std::abort();
  if (!nlohmann::json::accept(line)) std::abort();
  return 0;
}
