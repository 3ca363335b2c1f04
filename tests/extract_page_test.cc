// The table interpreter and the page pipeline, on a small site defined here so
// each rule type is exercised on its own.
#include <catch2/catch.hpp>

#include "extract/page.h"
#include "extract/registry.h"
#include "extract/sha256.h"
#include "extract/table_extractor.h"

namespace medscrape {
namespace {

SiteSpec TestSite() {
  PageTypeSpec page;
  page.name = "question";
  page.path_pattern = R"(/q/\d+)";
  page.detect_selector = "div.q";
  page.keys = {"title", "published", "views", "question", "link", "answers", "card"};
  page.fields = {
      {"title", "h1.missing", FieldType::kText, 0, "", "", "", true},
      {"title", "div.q h1"},  // Second source fills what the first left null.
      {"published", "div.q p.meta", FieldType::kDate, 0, "", "", "", true},
      {"views", "div.q p.meta", FieldType::kCount, 0, "", "", "次浏览", true},
      {"question", "div.q div.body", FieldType::kText, 0, "", R"(^(?:描述[:：]\s*)?(.+)$)"},
      {"link", "div.q a", FieldType::kUrl, 1, "href"},
  };
  GroupRule answers;
  answers.key = "answers";
  answers.item_selector = "ul.answers > li";
  answers.require_selector = "span.who";
  answers.keys = {"doctor.name", "doctor.title", "text"};
  answers.fields = {
      {"doctor.name", "span.who b", FieldType::kText, 0, "", "", "", true},
      {"doctor.title", "span.who", FieldType::kOwnText},
      {"text", "p", FieldType::kJoined, 0, "", "", "", true},
  };
  GroupRule card;
  card.key = "card";
  card.item_selector = "div.card";
  card.is_list = false;
  card.keys = {"name"};
  card.fields = {{"name", "dt"}};
  page.groups = {answers, card};
  SiteSpec site;
  site.name = "test.example";
  site.host_pattern = R"(test\.example)";
  site.version = 7;
  site.utc_offset = "+08:00";
  site.page_types = {page};
  return site;
}

SiteSpec TestGeneric() {
  PageTypeSpec page;
  page.name = "generic";
  page.keys = {"title"};
  page.fields = {{"title", "title"}};
  SiteSpec site;
  site.page_types = {page};
  return site;
}

const Registry& TestRegistry() {
  static const Registry* registry = Registry::Create({TestSite()}, TestGeneric()).value().release();
  return *registry;
}

constexpr const char* kPage = R"(<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Head title</title><link rel="canonical" href="/q/42"></head><body>
<div class="q"><h1>标题 &amp; more</h1>
<p class="meta">2025-11-03 10:21:45 <span>1.2万次浏览</span></p>
<div class="body">描述：腿抽筋</div>
<a href="/first">first</a><a href=" /q/7?x=1#frag ">second</a></div>
<ul class="answers">
<li><span class="who"><b>王医生</b>主治医师</span><p>第一段</p><p>第二段</p></li>
<li class="ad"><b>广告</b><p>buy</p></li>
<li><span class="who"><b>李医生</b></span></li>
</ul></body></html>)";

PageResult Extract(const std::string& html, const std::string& url, const std::string& site = "") {
  PageRequest request;
  request.raw = html;
  request.url = url;
  request.site = site;
  Result<PageResult> result = ExtractPage(request, TestRegistry());
  INFO((result.ok() ? "" : result.status().message()));
  REQUIRE(result.ok());
  return std::move(result).value();
}

TEST_CASE("field rules: sources, types, patterns and positions") {
  const Json record = Extract(kPage, "https://test.example/q/42").record;
  CHECK(record["title"] == "标题 & more");
  CHECK(record["published"] == "2025-11-03T10:21:45+08:00");
  CHECK(record["views"] == 12000);
  CHECK(record["question"] == "腿抽筋");
  CHECK(record["link"] == "https://test.example/q/7?x=1");
}

TEST_CASE("groups: items, skipped ads, key order, joined text, missing card") {
  const Json record = Extract(kPage, "https://test.example/q/42").record;
  const Json& answers = record["answers"];
  REQUIRE(answers.size() == 2);
  CHECK(answers[0].dump() ==
        R"({"doctor":{"name":"王医生","title":"主治医师"},"text":"第一段\n第二段"})");
  CHECK(answers[1]["doctor"]["title"].is_null());
  CHECK(answers[1]["text"].is_null());
  CHECK(record["card"].is_null());
  CHECK(record["warnings"] == Json::array({"answers[1].text: not found"}));
}

TEST_CASE("record: key order and provenance") {
  const Json record = Extract(kPage, "https://test.example/q/42").record;
  std::vector<std::string> keys;
  for (const auto& item : record.items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"schema_version", "url", "site", "page_type", "title",
                                         "published", "views", "question", "link", "answers",
                                         "card", "extractor", "content_sha256", "charset",
                                         "fetched_at", "warnings"});
  CHECK(record["schema_version"] == 1);
  CHECK(record["site"] == "test.example");
  CHECK(record["extractor"] ==
        Json({{"site", "test.example"}, {"page_type", "question"}, {"version", 7}}));
  CHECK(record["content_sha256"] == Sha256Hex(kPage));
  CHECK(record["charset"] == Json({{"name", "UTF-8"}, {"source", "meta"}}));
  CHECK(record["fetched_at"].is_null());
}

TEST_CASE("expected fields that are missing become warnings") {
  const Json record =
      Extract("<html><body><div class=q><h1>t</h1></div></body></html>", "https://test.example/q/1")
          .record;
  CHECK(record["published"].is_null());
  CHECK(record["views"].is_null());
  CHECK(record["warnings"] == Json::array({"published: not found", "views: not found"}));
}

TEST_CASE("a date with an impossible time keeps the date, with a warning") {
  const Json record =
      Extract(
          "<html><body><div class=q><h1>t</h1><p class=meta>2025-11-03 10:21:61 9次浏览</p></div>"
          "</body></html>",
          "https://test.example/q/1")
          .record;
  CHECK(record["published"] == "2025-11-03");
  CHECK(record["views"] == 9);
  CHECK(record["warnings"] ==
        Json::array({"published: no valid time in '2025-11-03 10:21:61 9次浏览': kept the date"}));
}

TEST_CASE("invisible characters never reach a field, joiners stay") {
  // U+FEFF before the title, U+200B and U+2060 inside it, direction marks and a soft
  // hyphen around; U+200D (zero width joiner) inside an emoji sequence is kept.
  const Json record =
      Extract(
          "<html><body><div class=q><h1>\uFEFF标\u200B题\u2060 \u200E腿\u00AD抽筋\u202E</h1>"
          "<div class=body>👩\u200D⚕️</div></div></body></html>",
          "https://test.example/q/1")
          .record;
  CHECK(record["title"] == "标题 腿抽筋");
  CHECK(record["question"] == "👩\u200D⚕️");
}

TEST_CASE("URL: canonical routes when no URL is given, unknown URLs give a generic record") {
  PageResult routed = Extract(kPage, "");
  CHECK(routed.record["url"].is_null());  // A relative canonical without a base cannot resolve.
  CHECK(routed.generic);

  const std::string absolute =
      std::string(kPage).replace(std::string(kPage).find("/q/42"), 5, "https://test.example/q/42");
  routed = Extract(absolute, "");
  CHECK_FALSE(routed.generic);
  CHECK(routed.record["url"] == "https://test.example/q/42");

  PageResult generic = Extract(kPage, "https://other.example/page");
  CHECK(generic.generic);
  CHECK(generic.record["site"].is_null());
  CHECK(generic.record["page_type"] == "generic");
  CHECK(generic.record["title"] == "Head title");
  CHECK(generic.record["warnings"].back() == "no extractor for this URL: generic record");
}

TEST_CASE("a forced site picks the page type by markup") {
  PageResult forced = Extract(kPage, "https://mirror.example/anything", "test.example");
  CHECK_FALSE(forced.generic);
  CHECK(forced.record["page_type"] == "question");
  CHECK(forced.record["title"] == "标题 & more");
}

TEST_CASE("inputs that are not pages fail with a reason") {
  PageRequest request;
  request.url = "https://test.example/q/1";
  const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  request.raw = png;
  Result<PageResult> result = ExtractPage(request, TestRegistry());
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message() == "not HTML: PNG image");

  request.raw = " \r\n\t ";
  result = ExtractPage(request, TestRegistry());
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message() == "empty input");

  request.raw = kPage;
  request.decode.forced_charset = "no-such-charset";
  result = ExtractPage(request, TestRegistry());
  REQUIRE_FALSE(result.ok());
  CHECK_THAT(result.status().message(), Catch::Contains("no-such-charset"));
}

TEST_CASE("CollapseWhitespace folds Unicode spaces and trims") {
  CHECK(CollapseWhitespace("  a\u00a0\u00a0b\u3000c \n") == "a b c");
  CHECK(CollapseWhitespace("") == "");
  CHECK(CollapseWhitespace("\u2003x\u202f") == "x");
}

}  // namespace
}  // namespace medscrape
