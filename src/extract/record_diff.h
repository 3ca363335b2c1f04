// The field-by-field comparison of a record with its expectation: what
// `medscrape check` prints and the golden fixtures are held to (fixtures/README.md).
// Only keys present in the expectation are checked, recursively; strings compare
// with all white space removed (expectations may join paragraphs without it);
// lists must have equal length; "warnings": each expected entry must start one
// actual warning, and [] means none.
#ifndef MEDSCRAPE_EXTRACT_RECORD_DIFF_H_
#define MEDSCRAPE_EXTRACT_RECORD_DIFF_H_

#include <string>
#include <vector>

#include "extract/site_spec.h"

namespace medscrape {

// One line per difference: "answers[0].doctor.name: expected \"王\", got null".
std::vector<std::string> DiffRecord(const Json& expected, const Json& actual);

}  // namespace medscrape

#endif  // MEDSCRAPE_EXTRACT_RECORD_DIFF_H_
