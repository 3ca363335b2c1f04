// An owning handle for libcurl's URL object. Internal to the url layer.
#ifndef MEDSCRAPE_URL_CURL_URL_HANDLE_H_
#define MEDSCRAPE_URL_CURL_URL_HANDLE_H_

#include <curl/curl.h>

#include <memory>

namespace medscrape {

struct CurlUrlDeleter {
  void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
};
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;

}  // namespace medscrape

#endif  // MEDSCRAPE_URL_CURL_URL_HANDLE_H_
