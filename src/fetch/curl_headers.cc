#include "fetch/curl_headers.h"

namespace medscrape {

std::string LastHeader(CURL* easy, const char* name) {
  struct curl_header* header = nullptr;
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK) return "";
  if (header->amount > 1 &&
      curl_easy_header(easy, name, header->amount - 1, CURLH_HEADER, -1, &header) != CURLHE_OK) {
    return "";
  }
  return header->value;
}

std::string AllHeaders(CURL* easy, const char* name) {
  struct curl_header* header = nullptr;
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK) return "";
  std::string joined = header->value;
  for (size_t i = 1, n = header->amount; i < n; ++i) {
    if (curl_easy_header(easy, name, i, CURLH_HEADER, -1, &header) != CURLHE_OK) break;
    joined += ", ";
    joined += header->value;
  }
  return joined;
}

std::string ConflictingLengths(CURL* easy) {
  const std::string values = AllHeaders(easy, "Content-Length");
  std::string first;
  size_t start = 0;
  while (start <= values.size()) {
    size_t comma = values.find(',', start);
    if (comma == std::string::npos) comma = values.size();
    std::string value = values.substr(start, comma - start);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    start = comma + 1;
    if (first.empty()) {
      first = value;
    } else if (value != first) {
      return values;
    }
  }
  return "";
}

}  // namespace medscrape
