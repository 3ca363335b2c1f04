// Maps libcurl result codes to FetchError. Internal to src/fetch.
#ifndef MEDSCRAPE_FETCH_CURL_ERROR_H_
#define MEDSCRAPE_FETCH_CURL_ERROR_H_

#include <curl/curl.h>

#include "fetch/fetcher.h"

namespace medscrape {

// `message` is the transfer's CURLOPT_ERRORBUFFER text (may be empty); it is
// needed because libcurl 7.88 reports both socket failures and malformed chunked
// encoding as CURLE_RECV_ERROR, and its saved errno (CURLINFO_OS_ERRNO) is not
// cleared between transfers on a reused handle. The caller handles the cases
// only it can see: the body cap (CURLE_WRITE_ERROR) and the address policy
// (CURLE_COULDNT_CONNECT).
FetchError ClassifyCurlError(CURLcode code, const char* message);

}  // namespace medscrape

#endif  // MEDSCRAPE_FETCH_CURL_ERROR_H_
