// Interprets a compiled page type (site_spec.h tables) over one Document.
#ifndef MEDSCRAPE_EXTRACT_TABLE_EXTRACTOR_H_
#define MEDSCRAPE_EXTRACT_TABLE_EXTRACTOR_H_

#include <string>
#include <vector>

#include "extract/registry.h"
#include "extract/site_spec.h"
#include "html/document.h"

namespace medscrape {

// What custom steps and field rules see of the page being extracted.
class PageContext {
 public:
  PageContext(Node root, std::string url, std::string utc_offset)
      : root_(root), url_(std::move(url)), utc_offset_(std::move(utc_offset)) {}

  Node root() const { return root_; }
  const std::string& url() const { return url_; }  // May be empty (stdin).
  const std::string& utc_offset() const { return utc_offset_; }

 private:
  Node root_;
  std::string url_;
  std::string utc_offset_;
};

// Fills the page type's keys of `record` (in spec order) and appends
// "key: not found" to `warnings` for each expected field that came out null.
void ExtractFields(const CompiledPageType& page_type, const PageContext& page, Json& record,
                   std::vector<std::string>& warnings);

// Collapses white space runs (ASCII, NBSP, U+3000 and other Unicode spaces) to
// one space and trims; used for attribute values and custom steps.
std::string CollapseWhitespace(std::string_view text);

}  // namespace medscrape

#endif  // MEDSCRAPE_EXTRACT_TABLE_EXTRACTOR_H_
