// The WHATWG <meta> prescan, with the unknown labels it skipped. Internal to
// the encoding layer; PrescanMetaCharset in charset.h is the public face.
#ifndef MEDSCRAPE_ENCODING_PRESCAN_H_
#define MEDSCRAPE_ENCODING_PRESCAN_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace medscrape {

// Only a <meta> that ends within this many leading bytes is seen (WHATWG).
constexpr size_t kPrescanBytes = 1024;

struct MetaPrescan {
  // The first declared label that CanonicalCharset knows, as written.
  std::optional<std::string> label;
  // Non-empty labels of earlier <meta> elements that CanonicalCharset does not
  // know; the prescan skips them as browsers do, the caller warns about them.
  std::vector<std::string> unknown_labels;
};

MetaPrescan PrescanMeta(std::string_view raw);

}  // namespace medscrape

#endif  // MEDSCRAPE_ENCODING_PRESCAN_H_
