// Reading the final response's header fields from a libcurl easy handle (curl_easy_header).
// Internal to src/fetch.
#ifndef MEDSCRAPE_FETCH_CURL_HEADERS_H_
#define MEDSCRAPE_FETCH_CURL_HEADERS_H_

#include <curl/curl.h>

#include <string>

namespace medscrape {

// The value of the last `name` header of the final response (1xx excluded); "" if none.
std::string LastHeader(CURL* easy, const char* name);

// Every value of the `name` headers of the final response, joined with ", ".
std::string AllHeaders(CURL* easy, const char* name);

// Content-Length headers that disagree (several headers, or one with a list):
// RFC 9112 §6.3 makes that an unrecoverable error, as browsers treat it, since the
// body's end cannot be known. Repeats of one value are allowed. Returns the values
// when they conflict, "" otherwise.
std::string ConflictingLengths(CURL* easy);

}  // namespace medscrape

#endif  // MEDSCRAPE_FETCH_CURL_HEADERS_H_
