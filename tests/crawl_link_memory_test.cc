// The crawl's memory of the links it judged: FingerprintTable at a million URLs, and
// LinkScope::Admit, which remembers admitted URLs (known, no budget again) and drops.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "crawl/fingerprint_table.h"
#include "crawl/link_scope.h"
#include "extractors/builtin.h"
#include "resident_memory.h"

namespace medscrape {
namespace {

using testing::kAddressSanitizer;
using testing::ResidentKiB;

std::string ArticleUrl(int n) {
  return "https://www.mfk.com/jingxuan/" + std::to_string(n) + ".shtml";
}

TEST_CASE("A million URL fingerprints take at most 16 bytes each", "[links]") {
  constexpr int kUrls = 1000000;
  FingerprintTable table;
  const int64_t before_kib = ResidentKiB();
  for (int n = 0; n < kUrls; ++n) {
    REQUIRE(table.Insert(FingerprintOf(ArticleUrl(n)), 1 + n % FingerprintTable::kMaxTag));
  }
  const int64_t growth_kib = ResidentKiB() - before_kib;
  CHECK(table.size() == kUrls);
  const double bytes_per_url = static_cast<double>(table.MemoryBytes()) / kUrls;
  WARN("fingerprint table at 10^6 URLs: " << bytes_per_url << " B a URL, RSS growth " << growth_kib
                                          << " KiB");
  CHECK(bytes_per_url <= 16.0);
  if (!kAddressSanitizer) CHECK(growth_kib * 1024 <= int64_t{16} * kUrls);

  int wrong_tag = 0, mistaken = 0;
  for (int n = 0; n < kUrls; ++n) {
    if (table.Find(FingerprintOf(ArticleUrl(n))) != 1 + n % FingerprintTable::kMaxTag) ++wrong_tag;
    if (table.Find(FingerprintOf(ArticleUrl(kUrls + n))) != 0) ++mistaken;
  }
  CHECK(wrong_tag == 0);
  CHECK(mistaken == 0);
  // Known: refused, the first tag kept. Tags outside 1..7 are refused.
  CHECK_FALSE(table.Insert(FingerprintOf(ArticleUrl(7)), 3));
  CHECK(table.Find(FingerprintOf(ArticleUrl(7))) == 1);
  CHECK_FALSE(table.Insert(FingerprintOf("https://x.example/"), 0));
  CHECK_FALSE(table.Insert(FingerprintOf("https://x.example/"), 8));
  CHECK(table.Find(FingerprintOf("https://x.example/")) == 0);
  CHECK(table.size() == kUrls);
}

TEST_CASE("An empty fingerprint table finds nothing", "[links]") {
  const FingerprintTable table;
  CHECK(table.Find(0) == 0);
  CHECK(table.Find(FingerprintOf("")) == 0);
  CHECK(table.MemoryBytes() == 0);
}

std::unique_ptr<LinkScope> Scope(int max_depth = -1, int64_t budget = 100000,
                                 std::vector<std::string> exclude = {}) {
  LinkScopeOptions options;
  options.seeds = {"https://www.mfk.com/jingxuan/"};
  options.max_depth = max_depth;
  options.max_urls_per_host = budget;
  options.exclude = std::move(exclude);
  Result<std::unique_ptr<LinkScope>> scope = LinkScope::Create(BuiltinRegistry(), options);
  REQUIRE(scope.ok());
  return std::move(scope).value();
}

using Kind = LinkVerdict::Kind;

TEST_CASE("Admit: a URL admitted before comes back known", "[links]") {
  auto scope = Scope();
  const LinkVerdict first = scope->Admit(ArticleUrl(1), 0);
  CHECK(first.kind == Kind::kPage);
  CHECK_FALSE(first.known);
  CHECK(first.host == "www.mfk.com");
  const LinkVerdict again = scope->Admit(ArticleUrl(1), 3);
  CHECK(again.kind == Kind::kPage);
  CHECK(again.known);
  CHECK(again.host.empty());

  const LinkVerdict hub = scope->Admit("https://www.mfk.com/ask/index_2.shtml", 0);
  CHECK(hub.kind == Kind::kHub);
  CHECK_FALSE(hub.known);
  CHECK(scope->Admit("https://www.mfk.com/ask/index_2.shtml", 0).known);
  // The seed is known from the start.
  const LinkVerdict seed = scope->Admit("https://www.mfk.com/jingxuan/", 0);
  CHECK(seed.kind == Kind::kHub);
  CHECK(seed.known);
  CHECK(scope->dropped().empty());
}

TEST_CASE("Admit: drops are remembered and counted every time", "[links]") {
  auto scope = Scope(-1, 100000, {"/jingxuan/9\\d*\\.shtml"});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"https://www.mfk.com/about.html", "no_rule"},
      {"https://www.other.example/jingxuan/1.shtml", "out_of_scope"},
      {"https://www.mfk.com/jingxuan/95.shtml", "excluded"},
      {"mailto:someone@mfk.com", "out_of_scope"},  // No host: not on a seed's host.
  };
  for (int round = 0; round < 3; ++round) {
    for (const auto& [url, reason] : cases) {
      const LinkVerdict verdict = scope->Admit(url, 0);
      INFO(url << " round " << round);
      CHECK(verdict.kind == Kind::kDropped);
      CHECK(verdict.reason == reason);
      CHECK_FALSE(verdict.known);
    }
  }
  const std::map<std::string, int64_t> expected = {
      {"excluded", 3}, {"no_rule", 3}, {"out_of_scope", 6}};
  CHECK(scope->dropped() == expected);
}

TEST_CASE("Admit: the budget counts new URLs only, too deep goes by depth", "[links]") {
  auto scope = Scope(2, 2);
  CHECK(scope->Admit(ArticleUrl(1), 0).kind == Kind::kPage);
  CHECK(scope->Admit(ArticleUrl(2), 0).kind == Kind::kPage);
  CHECK(scope->Admit(ArticleUrl(1), 0).known);  // Costs no budget.
  CHECK(scope->Admit(ArticleUrl(3), 0).reason == "over_budget");
  CHECK(scope->Admit(ArticleUrl(3), 1).reason == "over_budget");
  // A link of a page at depth 2 would be at depth 3: too deep, even when known.
  CHECK(scope->Admit(ArticleUrl(1), 2).reason == "too_deep");
  CHECK(scope->Admit(ArticleUrl(1), 1).known);
  const std::map<std::string, int64_t> expected = {{"over_budget", 2}, {"too_deep", 1}};
  CHECK(scope->dropped() == expected);
}

TEST_CASE("Admit: its verdicts agree with Classify, first and later sight", "[links]") {
  auto scope = Scope();
  std::vector<std::string> urls;
  for (int n = 0; n < 2000; ++n) {
    urls.push_back(ArticleUrl(n));
    urls.push_back("https://www.mfk.com/ask/" + std::to_string(n) + ".shtml");
    urls.push_back("https://www.mfk.com/jingxuan/index_" + std::to_string(n) + ".shtml");
    urls.push_back("https://www.mfk.com/yiyuan/" + std::to_string(n) + ".html");
  }
  for (int round = 0; round < 2; ++round) {
    int mismatches = 0;
    for (const std::string& url : urls) {
      const LinkVerdict admitted = scope->Admit(url, 0);
      const LinkVerdict classified = scope->Classify(url, false);
      const bool known = round == 1 && classified.kind != Kind::kDropped;
      if (admitted.kind != classified.kind || admitted.known != known) ++mismatches;
      if (admitted.kind == Kind::kDropped && admitted.reason != classified.reason) ++mismatches;
    }
    CHECK(mismatches == 0);
  }
  CHECK(scope->dropped().at("no_rule") == 2 * 2000);
  CHECK(scope->MemoryBytes() <= 16 * urls.size());
}

}  // namespace
}  // namespace medscrape
