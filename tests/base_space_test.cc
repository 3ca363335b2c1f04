// base/space.h: the project's one definition of white space.
#include <catch2/catch.hpp>
#include <string>

#include "base/space.h"

namespace medscrape {
namespace {

TEST_CASE("space: ASCII white space is HTML's", "[space]") {
  for (char c : {' ', '\t', '\n', '\f', '\r'}) CHECK(IsAsciiSpace(c));
  for (char c : {'\v', '\0', 'a', '\x1c', '\x85'}) CHECK_FALSE(IsAsciiSpace(c));
  CHECK(kAsciiSpaces.size() == 5);
  for (char c : kAsciiSpaces) CHECK(IsAsciiSpace(c));
}

TEST_CASE("space: every Unicode White_Space character that can reach text", "[space]") {
  const char* const wide[] = {"\u00A0", "\u1680", "\u2000", "\u2001", "\u2002", "\u2003",
                              "\u2004", "\u2005", "\u2006", "\u2007", "\u2008", "\u2009",
                              "\u200A", "\u2028", "\u2029", "\u202F", "\u205F", "\u3000"};
  for (const char* space : wide) {
    const std::string text = std::string(space) + "x";
    INFO(text);
    CHECK(SpaceLength(std::string_view(text)) == std::string(space).size());
    CHECK(SpaceLength(reinterpret_cast<const unsigned char*>(text.c_str())) ==
          std::string(space).size());
  }
  // Not white space: zero-width characters, lookalikes, VT, NEL (the cleaner's).
  for (const char* other : {"\u200B", "\uFEFF", "\u2060", "\u180E", "\u200C", "\u2010", "\u3001",
                            "\u00A1", "\v", "\u0085", "x", ""}) {
    INFO(other);
    CHECK(SpaceLength(std::string_view(other)) == 0);
    CHECK(SpaceLength(reinterpret_cast<const unsigned char*>(other)) == 0);
  }
}

TEST_CASE("space: a cut sequence is no space and is not read past", "[space]") {
  CHECK(SpaceLength(std::string_view("\xE3\x80", 2)) == 0);
  CHECK(SpaceLength(std::string_view("\xC2", 1)) == 0);
  const unsigned char cut[] = {0xE3, 0x80, 0x00, 0x80};  // The NUL ends it.
  CHECK(SpaceLength(cut) == 0);
  const unsigned char early[] = {0xE3, 0x00, 0x80, 0x80};
  CHECK(SpaceLength(early) == 0);
}

TEST_CASE("space: TrimSpace takes white space off both ends only", "[space]") {
  CHECK(TrimSpace("\u3000 \u00A0病因\u2003分析\u1680\t\u205F") == "病因\u2003分析");
  CHECK(TrimSpace(" \u3000 ") == "");
  CHECK(TrimSpace("") == "");
  CHECK(TrimSpace("\u200Bx\u200B") == "\u200Bx\u200B");
  // A character whose last bytes look like a space's is kept whole.
  CHECK(TrimSpace("a\u30A0") == "a\u30A0");
}

}  // namespace
}  // namespace medscrape
