#include <iconv.h>

#include <catch2/catch.hpp>

#include "encoding/charset.h"

namespace medscrape {
namespace {

TEST_CASE("CanonicalCharset maps WHATWG labels, any case, trimmed", "[encoding][labels]") {
  const std::pair<const char*, const char*> cases[] = {
      {"utf-8", "UTF-8"},
      {" UTF-8 ", "UTF-8"},
      {"\"utf-8\"", "UTF-8"},
      {"'Utf-8'", "UTF-8"},
      {"unicode-1-1-utf-8", "UTF-8"},
      {"gbk", "GB18030"},
      {"GB2312", "GB18030"},
      {"x-gbk", "GB18030"},
      {"gb_2312-80", "GB18030"},
      {"csgb2312", "GB18030"},
      {"chinese", "GB18030"},
      {"gb18030", "GB18030"},
      {"big5", "BIG5"},
      {"Big5-HKSCS", "BIG5"},
      {"shift_jis", "SHIFT_JIS"},
      {"sjis", "SHIFT_JIS"},
      {"windows-31j", "SHIFT_JIS"},
      {"euc-jp", "EUC-JP"},
      {"euc-kr", "EUC-KR"},
      {"ks_c_5601-1987", "EUC-KR"},
      {"iso-2022-jp", "ISO-2022-JP"},
      {"latin1", "WINDOWS-1252"},
      {"ascii", "WINDOWS-1252"},
      {"US-ASCII", "WINDOWS-1252"},
      {"iso-8859-1", "WINDOWS-1252"},
      {"windows-1252", "WINDOWS-1252"},
      {"iso-8859-9", "WINDOWS-1254"},
      {"tis-620", "WINDOWS-874"},
      {"iso-8859-2", "ISO-8859-2"},
      {"iso8859-2", "ISO-8859-2"},
      {"iso88592", "ISO-8859-2"},
      {"latin2", "ISO-8859-2"},
      {"iso-8859-15", "ISO-8859-15"},
      {"iso-8859-16", "ISO-8859-16"},
      {"windows-1251", "WINDOWS-1251"},
      {"cp1250", "WINDOWS-1250"},
      {"x-cp1258", "WINDOWS-1258"},
      {"utf-16", "UTF-16LE"},
      {"utf-16le", "UTF-16LE"},
      {"UTF-16BE", "UTF-16BE"},
      {"koi8-r", "KOI8-R"},
      {"koi8-u", "KOI8-U"},
      {"ibm866", "IBM866"},
  };
  for (const auto& [label, canonical] : cases) {
    INFO("label " << label);
    CHECK(CanonicalCharset(label) == std::optional<std::string>(canonical));
  }
}

TEST_CASE("CanonicalCharset accepts garbage labels seen in the wild", "[encoding][labels]") {
  CHECK(CanonicalCharset("utf8") == "UTF-8");
  CHECK(CanonicalCharset("utf8mb4") == "UTF-8");
  CHECK(CanonicalCharset("UTF8MB4") == "UTF-8");
  CHECK(CanonicalCharset("gbk2312") == "GB18030");
  CHECK(CanonicalCharset("gb-2312") == "GB18030");
  CHECK(CanonicalCharset("gb_2312") == "GB18030");
  CHECK(CanonicalCharset("cp936") == "GB18030");
  CHECK(CanonicalCharset("windows-936") == "GB18030");
  CHECK(CanonicalCharset("euc-cn") == "GB18030");
}

TEST_CASE("CanonicalCharset rejects unknown and empty labels", "[encoding][labels]") {
  for (const char* label : {"", "   ", "\"\"", "utf-9", "gbk-2312x", "x-user-defined", "u tf-8",
                            "utf-8;", "gb2312 gbk"}) {
    INFO("label '" << label << "'");
    CHECK_FALSE(CanonicalCharset(label).has_value());
  }
  CHECK_FALSE(CanonicalCharset(std::string_view("utf-8\0", 6)).has_value());
}

TEST_CASE("Every canonical name, including uchardet's answers, opens in iconv",
          "[encoding][labels]") {
  // One label per canonical name, plus the names uchardet 0.0.7 reports.
  for (const char* label : {"utf-8",          "gbk",          "big5",
                            "euc-jp",         "iso-2022-jp",  "shift_jis",
                            "euc-kr",         "euc-tw",       "utf-16le",
                            "utf-16be",       "latin1",       "windows-1250",
                            "windows-1251",   "windows-1253", "windows-1254",
                            "windows-1255",   "windows-1256", "windows-1257",
                            "windows-1258",   "windows-874",  "iso-8859-2",
                            "iso-8859-3",     "iso-8859-4",   "iso-8859-5",
                            "iso-8859-6",     "iso-8859-7",   "iso-8859-8",
                            "iso-8859-10",    "iso-8859-13",  "iso-8859-14",
                            "iso-8859-15",    "iso-8859-16",  "koi8-r",
                            "koi8-u",         "ibm866",       "macintosh",
                            "x-mac-cyrillic", "GB18030",      "UTF-8",
                            "BIG5",           "EUC-JP",       "SHIFT_JIS",
                            "EUC-KR",         "EUC-TW",       "ISO-8859-1",
                            "WINDOWS-1252",   "KOI8-R",       "IBM855",
                            "IBM866",         "MAC-CYRILLIC", "MAC-CENTRALEUROPE",
                            "TIS-620",        "VISCII",       "ASCII"}) {
    INFO("label " << label);
    const std::optional<std::string> canonical = CanonicalCharset(label);
    REQUIRE(canonical.has_value());
    iconv_t cd = iconv_open("UTF-8", canonical->c_str());
    CHECK(cd != reinterpret_cast<iconv_t>(-1));
    if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
  }
}

TEST_CASE("CharsetSourceName names every source", "[encoding][labels]") {
  CHECK(std::string(CharsetSourceName(CharsetSource::kBom)) == "bom");
  CHECK(std::string(CharsetSourceName(CharsetSource::kHeader)) == "header");
  CHECK(std::string(CharsetSourceName(CharsetSource::kMeta)) == "meta");
  CHECK(std::string(CharsetSourceName(CharsetSource::kDetected)) == "detected");
  CHECK(std::string(CharsetSourceName(CharsetSource::kForced)) == "forced");
  CHECK(std::string(CharsetSourceName(CharsetSource::kDefault)) == "default");
}

}  // namespace
}  // namespace medscrape
