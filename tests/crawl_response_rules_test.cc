// crawl/response_rules.h: how the engine reads a page's response, rule by rule.
#include <catch2/catch.hpp>
#include <string>

#include "crawl/response_rules.h"

namespace medscrape {
namespace {

FetchResponse Answer(int status, std::string location = "", std::string retry_after = "") {
  FetchResponse response;
  response.status = status;
  response.location = std::move(location);
  response.retry_after = std::move(retry_after);
  return response;
}

TEST_CASE("response rules: what a page's response asks of the engine", "[response-rules]") {
  FetchResponse failed;
  failed.error = FetchError::kTimeout;
  CHECK(ClassifyPage(failed) == PageAction::kFailure);
  failed.status = 429;  // An error wins over whatever status came with it.
  CHECK(ClassifyPage(failed) == PageAction::kFailure);
  CHECK(ClassifyPage(Answer(500)) == PageAction::kFailure);
  CHECK(ClassifyPage(Answer(503)) == PageAction::kFailure);
  CHECK(ClassifyPage(Answer(408)) == PageAction::kFailure);
  CHECK(ClassifyPage(Answer(429)) == PageAction::kRateLimit);
  CHECK(ClassifyPage(Answer(503, "", "120")) == PageAction::kRateLimit);
  CHECK(ClassifyPage(Answer(304)) == PageAction::kUnchanged);
  CHECK(ClassifyPage(Answer(301, "/x")) == PageAction::kRedirect);
  CHECK(ClassifyPage(Answer(308, "/x")) == PageAction::kRedirect);
  CHECK(ClassifyPage(Answer(302)) == PageAction::kBody);  // No Location: its body is the answer.
  CHECK(ClassifyPage(Answer(404)) == PageAction::kHttpError);
  CHECK(ClassifyPage(Answer(410)) == PageAction::kHttpError);
  CHECK(ClassifyPage(Answer(100)) == PageAction::kHttpError);
  CHECK(ClassifyPage(Answer(200)) == PageAction::kBody);
  CHECK(ClassifyPage(Answer(203)) == PageAction::kBody);
  CHECK_FALSE(IsRateLimit(Answer(503)));
  CHECK(IsRateLimit(Answer(429)));
}

TEST_CASE("response rules: content types worth parsing, and their charset", "[response-rules]") {
  for (const char* type : {"", "text/html", "TEXT/HTML; charset=GBK", "application/xhtml+xml",
                           "text/xml", "text/plain; charset=utf-8"}) {
    INFO(type);
    CHECK(LooksLikeHtml(type));
  }
  for (const char* type : {"image/png", "application/pdf", "application/octet-stream", "video/mp4",
                           "application/json"}) {
    INFO(type);
    CHECK_FALSE(LooksLikeHtml(type));
  }
  CHECK(CharsetOf("text/html; charset=GBK") == "GBK");
  CHECK(CharsetOf("text/html; Charset=\"gb2312\"; x=1") == "gb2312");
  CHECK(CharsetOf("text/html") == "");
  CHECK(IsoUtc(1'700'000'000'000) == "2023-11-14T22:13:20Z");
  CHECK(IsoUtc(0) == "1970-01-01T00:00:00Z");
}

TEST_CASE("response rules: where a redirect goes", "[response-rules]") {
  const std::string from = "https://www.mfk.com/jingxuan/1.shtml";
  RedirectTarget target = ResolveRedirect(from, "/jingxuan/2.shtml#top", 0);
  CHECK(target.kind == RedirectTarget::Kind::kFollow);
  CHECK(target.url == "https://www.mfk.com/jingxuan/2.shtml");
  CHECK(target.host == "www.mfk.com");
  target = ResolveRedirect(from, "HTTP://Other.Example:8080/a", 4);
  CHECK(target.kind == RedirectTarget::Kind::kFollow);
  CHECK(target.host == "other.example:8080");
  CHECK(ResolveRedirect(from, "/x", kMaxRedirects).kind == RedirectTarget::Kind::kTooMany);
  for (const char* other : {"ftp://x/file", " FTP://x", "mailto:a@b", "javascript:void(0)"}) {
    INFO(other);
    CHECK(ResolveRedirect(from, other, 0).kind == RedirectTarget::Kind::kNotHttp);
  }
  CHECK(ResolveRedirect(from, "http://[bad", 0).kind == RedirectTarget::Kind::kBadUrl);
  CHECK(ResolveRedirect(from, "https://x/" + std::string(5000, 'a'), 0).kind ==
        RedirectTarget::Kind::kBadUrl);
  // A bad Location is bad however many hops came before.
  CHECK(ResolveRedirect(from, "http://[bad", kMaxRedirects).kind == RedirectTarget::Kind::kBadUrl);
}

}  // namespace
}  // namespace medscrape
