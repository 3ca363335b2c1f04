#include <catch2/catch.hpp>

#include "encoding/charset.h"
#include "encoding/prescan.h"
#include "encoding_test_util.h"

namespace medscrape {
namespace {

using testing::Repeat;

std::optional<std::string> Label(std::string_view html) { return PrescanMetaCharset(html); }

TEST_CASE("Prescan finds <meta charset> in its spellings", "[encoding][prescan]") {
  CHECK(Label("<html><head><meta charset=\"gb2312\"></head>") == "gb2312");
  CHECK(Label("<meta charset='GBK'>") == "GBK");  // As written: case kept.
  CHECK(Label("<meta charset=utf-8>") == "utf-8");
  CHECK(Label("<meta charset=utf-8 />") == "utf-8");
  CHECK(Label("<META CHARSET = \"big5\" >") == "big5");
  CHECK(Label("<meta/charset=gbk>") == "gbk");
  CHECK(Label("<meta\tname=x charset=\"euc-kr\">") == "euc-kr");
}

TEST_CASE("Prescan reads charset= from http-equiv content", "[encoding][prescan]") {
  CHECK(Label("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\" />") ==
        "gb2312");
  CHECK(Label("<meta content=\"text/html;charset=GBK\" http-equiv=content-type>") == "GBK");
  CHECK(Label("<meta http-equiv=Content-Type content=\"text/html; charset='big5'\">") == "big5");
  CHECK(Label("<meta http-equiv=Content-Type content='text/html; CHARSET = \"utf-8\"'>") ==
        "utf-8");
  CHECK(Label("<meta http-equiv=Content-Type content='text/html; charset=gbk; x=y'>") == "gbk");
  // Without the pragma, content does not count.
  CHECK_FALSE(Label("<meta content=\"text/html; charset=gb2312\">"));
  CHECK_FALSE(Label("<meta http-equiv=refresh content=\"0; charset=gb2312\">"));
  // An unmatched quote in content yields nothing.
  CHECK_FALSE(Label("<meta http-equiv=content-type content='charset=\"gbk'>"));
}

TEST_CASE("Prescan follows WHATWG attribute rules", "[encoding][prescan]") {
  // The first occurrence of an attribute wins.
  CHECK(Label("<meta charset=\"gbk\" charset=\"utf-8\">") == "gbk");
  // content sets the charset first, so charset= is ignored and the pragma is missing.
  CHECK_FALSE(Label("<meta content=\"text/html; charset=gbk\" charset=\"utf-8\">"));
  // <meta> must be followed by a space or slash.
  CHECK_FALSE(Label("<metadata charset=gbk>"));
  // Input that ends inside the attribute yields nothing.
  CHECK_FALSE(Label("<meta charset=\"gb2312"));
  CHECK_FALSE(Label("<meta charset="));
  CHECK_FALSE(Label(""));
  CHECK_FALSE(Label("<"));
}

TEST_CASE("Prescan skips comments and other tags' attributes", "[encoding][prescan]") {
  CHECK(Label("<!-- <meta charset=\"big5\"> --><meta charset=\"gbk\">") == "gbk");
  CHECK_FALSE(Label("<!-- <meta charset=\"big5\"> -->"));
  CHECK_FALSE(Label("<!-- unclosed <meta charset=\"big5\">"));
  CHECK(Label("<!--><meta charset=gbk>") == "gbk");  // "<!-->" is a whole comment.
  CHECK_FALSE(Label("<div title='<meta charset=big5>'></div>"));
  CHECK(Label("<div title='<meta charset=big5>'><meta charset=gbk>") == "gbk");
  CHECK(Label("<!DOCTYPE html><?xml version=\"1.0\"?></p><meta charset=gbk>") == "gbk");
}

TEST_CASE("Prescan sees only the first 1024 bytes", "[encoding][prescan]") {
  const std::string meta = "<meta charset=\"gbk\">";
  const std::string early = Repeat(" ", kPrescanBytes - meta.size()) + meta;
  CHECK(Label(early) == "gbk");
  const std::string straddling = Repeat(" ", kPrescanBytes - meta.size() + 1) + meta;
  CHECK_FALSE(Label(straddling));
  const std::string late = "<html><head>" + Repeat("<!-- padding -->", 80) + meta;
  REQUIRE(late.find(meta) > kPrescanBytes);
  CHECK_FALSE(Label(late));
}

TEST_CASE("Prescan skips unknown labels and reports them", "[encoding][prescan]") {
  const MetaPrescan scan = PrescanMeta("<meta charset=\"x-bogus\"><meta charset=\"gbk2312\">");
  CHECK(scan.label == "gbk2312");
  CHECK(scan.unknown_labels == std::vector<std::string>{"x-bogus"});
  const MetaPrescan content =
      PrescanMeta("<meta http-equiv=content-type content='text/html; charset=nonsense'>");
  CHECK_FALSE(content.label);
  CHECK(content.unknown_labels == std::vector<std::string>{"nonsense"});
  // Unquoted values end only at a space or '>', so this label is "utf-8/".
  const MetaPrescan slash = PrescanMeta("<meta charset=utf-8/>");
  CHECK_FALSE(slash.label);
  CHECK(slash.unknown_labels == std::vector<std::string>{"utf-8/"});
  const MetaPrescan empty = PrescanMeta("<meta charset=\"\">");
  CHECK_FALSE(empty.label);
  CHECK(empty.unknown_labels.empty());
}

TEST_CASE("Prescan finds the xywy reference page's gb2312", "[encoding][prescan]") {
  CHECK(Label(testing::ReadFixture("fixtures/xywy/xywy-reference.html")) == "gb2312");
  CHECK(Label(testing::ReadFixture("fixtures/120ask/120ask-reference.html")) == "utf-8");
}

}  // namespace
}  // namespace medscrape
