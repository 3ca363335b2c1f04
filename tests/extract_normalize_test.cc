#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "extract/normalize.h"

namespace medscrape {
namespace {

constexpr std::string_view kOffset = "+08:00";

std::optional<std::string> Date(std::string_view text) { return NormalizeDate(text, kOffset); }

TEST_CASE("NormalizeDate reads bare dates in every separator style", "[normalize][date]") {
  CHECK(Date("发布于  2026-02-28") == "2026-02-28");
  CHECK(Date("发布于\u00A0\u00A02026-02-28") == "2026-02-28");
  CHECK(Date("2026/02/28") == "2026-02-28");
  CHECK(Date("2026.02.28") == "2026-02-28");
  CHECK(Date("2026年2月8日") == "2026-02-08");
  CHECK(Date("2026 年 02 月 08 日") == "2026-02-08");
  CHECK(Date("2026年2月8号") == "2026-02-08");
  CHECK(Date("2026-2-8") == "2026-02-08");
  CHECK(Date("2026/2/28 来自北京") == "2026-02-28");
}

TEST_CASE("NormalizeDate adds the offset when a time follows", "[normalize][date]") {
  CHECK(Date("2026年2月8日 9:05") == "2026-02-08T09:05:00+08:00");
  CHECK(Date("2026年2月8日9:05") == "2026-02-08T09:05:00+08:00");
  CHECK(Date("2025-11-03 10:21:45 3562次浏览") == "2025-11-03T10:21:45+08:00");
  CHECK(Date("2025-11-03T10:21:45") == "2025-11-03T10:21:45+08:00");
  CHECK(Date("2025-11-03 10:21") == "2025-11-03T10:21:00+08:00");
  CHECK(Date("2025-11-03\u300010:21") == "2025-11-03T10:21:00+08:00");
  CHECK(Date("2025-11-03 00:00:00") == "2025-11-03T00:00:00+08:00");
  CHECK(Date("2025-11-03 23:59:59") == "2025-11-03T23:59:59+08:00");
  CHECK(NormalizeDate("2025-11-03 10:21:45", "Z") == "2025-11-03T10:21:45Z");
}

TEST_CASE("NormalizeDate keeps a bare date when what follows is not a time", "[normalize][date]") {
  CHECK(Date("2025-11-03 3562次浏览") == "2025-11-03");
  CHECK(Date("2025-11-03 10:2") == "2025-11-03");
  CHECK(Date("2025-11-0310:21") == "2025-11-03");  // a numeric date needs a separator
  CHECK(Date("2025-11-03 10:21:4") == "2025-11-03T10:21:00+08:00");
}

TEST_CASE("NormalizeDate stops a day after two digits in the seed's glued text",
          "[normalize][date]") {
  CHECK(Date("发布于 2026-02-289039次浏览") == "2026-02-28");
  CHECK(Date("发布于\u00A0\u00A02026-02-289039次浏览") == "2026-02-28");
}

TEST_CASE("NormalizeDate validates the calendar", "[normalize][date]") {
  CHECK(Date("2024-02-29") == "2024-02-29");
  CHECK(Date("2000-02-29") == "2000-02-29");
  CHECK(Date("2026-02-29") == std::nullopt);
  CHECK(Date("2100-02-29") == std::nullopt);
  CHECK(Date("2026-02-30") == std::nullopt);
  CHECK(Date("2026-04-31") == std::nullopt);
  CHECK(Date("2026-12-31") == "2026-12-31");
  CHECK(Date("2026-13-01") == std::nullopt);
  CHECK(Date("2026-00-10") == std::nullopt);
  CHECK(Date("2026-01-00") == std::nullopt);
}

TEST_CASE("NormalizeDate keeps the date of an impossible time, and says so", "[normalize][date]") {
  for (const char* text : {"2026-01-01 24:00", "2026-01-01 10:60", "2026-01-01 10:59:60",
                           "发布于 2026-01-01 10:21:61"}) {
    INFO(text);
    bool dropped = false;
    CHECK(NormalizeDate(text, kOffset, &dropped) == "2026-01-01");
    CHECK(dropped);
  }
  bool dropped = false;
  CHECK(NormalizeDate("2026-01-01 10:21:45", kOffset, &dropped) == "2026-01-01T10:21:45+08:00");
  CHECK_FALSE(dropped);
  CHECK(NormalizeDate("2026-02-30 10:21:61", kOffset, &dropped) == std::nullopt);
  CHECK_FALSE(dropped);
}

TEST_CASE("NormalizeDate accepts only years 1900-2100", "[normalize][date]") {
  CHECK(Date("1900-01-01") == "1900-01-01");
  CHECK(Date("2100-12-31") == "2100-12-31");
  CHECK(Date("1899-12-31") == std::nullopt);
  CHECK(Date("2101-01-01") == std::nullopt);
}

TEST_CASE("NormalizeDate ignores digit runs that are not dates", "[normalize][date]") {
  CHECK(Date("no date here") == std::nullopt);
  CHECK(Date("") == std::nullopt);
  CHECK(Date("2026") == std::nullopt);
  CHECK(Date("2026-02") == std::nullopt);
  CHECK(Date("电话 13812026-01-02") == std::nullopt);  // year inside a longer digit run
  CHECK(Date("20260-01-02") == std::nullopt);
  CHECK(Date("2026-01/02") == std::nullopt);  // mixed separators
  CHECK(Date("2026年2月") == std::nullopt);
}

TEST_CASE("NormalizeDate returns the first real date", "[normalize][date]") {
  CHECK(Date("2025-01-02 更新于 2026-03-04") == "2025-01-02");
  CHECK(Date("编号 1234-56-78，发布于 2026-03-04") == "2026-03-04");
  CHECK(Date("2026-02-30 or 2026-03-01") == "2026-03-01");
  CHECK(Date("2026-03-04 trailing garbage ::: 99") == "2026-03-04");
}

TEST_CASE("NormalizeDate reads full-width digits", "[normalize][date]") {
  CHECK(Date("２０２６年２月８日") == "2026-02-08");
  CHECK(Date("２０２６-０２-２８ １０:２１") == "2026-02-28T10:21:00+08:00");
}

TEST_CASE("NormalizeCount reads plain and grouped numbers", "[normalize][count]") {
  CHECK(NormalizeCount("9039次浏览") == 9039);
  CHECK(NormalizeCount("3562人看过") == 3562);
  CHECK(NormalizeCount("1,234次") == 1234);
  CHECK(NormalizeCount("1,234,567") == 1234567);
  CHECK(NormalizeCount("3,4") == 3);
  CHECK(NormalizeCount("阅读 12") == 12);
  CHECK(NormalizeCount("0") == 0);
  CHECK(NormalizeCount("007次") == 7);
  CHECK(NormalizeCount("１２次") == 12);
  CHECK(NormalizeCount("12.") == 12);
  CHECK(NormalizeCount("3.0") == 3);
}

TEST_CASE("NormalizeCount scales 万 and 亿 exactly", "[normalize][count]") {
  CHECK(NormalizeCount("1.2万次浏览") == 12000);
  CHECK(NormalizeCount("2.3万") == 23000);
  CHECK(NormalizeCount("1.25万") == 12500);
  CHECK(NormalizeCount("0.5万") == 5000);
  CHECK(NormalizeCount("1.0001万") == 10001);
  CHECK(NormalizeCount("1.20000000万") == 12000);
  CHECK(NormalizeCount("3亿") == 300000000);
  CHECK(NormalizeCount("1.5亿") == 150000000);
  CHECK(NormalizeCount("12万") == 120000);
}

TEST_CASE("NormalizeCount rejects what is not a count", "[normalize][count]") {
  CHECK(NormalizeCount("") == std::nullopt);
  CHECK(NormalizeCount("暂无浏览") == std::nullopt);
  CHECK(NormalizeCount("1.5") == std::nullopt);        // not an integer
  CHECK(NormalizeCount("1.23456万") == std::nullopt);  // 12345.6
  CHECK(NormalizeCount("-5次") == std::nullopt);
  CHECK(NormalizeCount("浏览-12") == std::nullopt);
  CHECK(NormalizeCount("3-5次") == 3);
}

TEST_CASE("NormalizeCount reports overflow as nullopt", "[normalize][count]") {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  CHECK(NormalizeCount("9223372036854775807") == kMax);
  CHECK(NormalizeCount("9223372036854775808") == std::nullopt);
  CHECK(NormalizeCount("99999999999999999999999") == std::nullopt);
  CHECK(NormalizeCount("922337203685477.5807万") == kMax);
  CHECK(NormalizeCount("922337203685477.5808万") == std::nullopt);
  CHECK(NormalizeCount("92233720368亿") == 9223372036800000000);
  CHECK(NormalizeCount("92233720369亿") == std::nullopt);
}

TEST_CASE("NormalizeCountWithUnit counts only the number before the unit", "[normalize][count]") {
  CHECK(NormalizeCountWithUnit("发布于 2026-02-289039次浏览", "次浏览") == 9039);
  CHECK(NormalizeCountWithUnit("发布于\u00A0\u00A02026-02-281.2万次浏览", "次浏览") == 12000);
  CHECK(NormalizeCountWithUnit("1.2万次浏览", "次浏览") == 12000);
  CHECK(NormalizeCountWithUnit("2025-11-03 10:21:45 3562次浏览", "次浏览") == 3562);
  CHECK(NormalizeCountWithUnit("2026年2月8日3562次浏览", "次浏览") == 3562);
  CHECK(NormalizeCountWithUnit("共12条 3人回复", "人回复") == 3);
  CHECK(NormalizeCountWithUnit("1,234次浏览", "次浏览") == 1234);
}

TEST_CASE("NormalizeCountWithUnit needs the unit right after the number", "[normalize][count]") {
  CHECK(NormalizeCountWithUnit("发布于 2026-02-28", "次浏览") == std::nullopt);
  CHECK(NormalizeCountWithUnit("9039 次浏览", "次浏览") == std::nullopt);
  CHECK(NormalizeCountWithUnit("9039次", "次浏览") == std::nullopt);
  CHECK(NormalizeCountWithUnit("次浏览", "次浏览") == std::nullopt);
  CHECK(NormalizeCountWithUnit("", "次浏览") == std::nullopt);
  CHECK(NormalizeCountWithUnit("-5次浏览", "次浏览") == std::nullopt);
  CHECK(NormalizeCountWithUnit("99999999999999999999次浏览", "次浏览") == std::nullopt);
}

TEST_CASE("SplitLabel splits at the first colon of either width", "[normalize][label]") {
  const auto ascii = SplitLabel("电解质失衡:运动大量出汗");
  REQUIRE(ascii);
  CHECK(ascii->label == "电解质失衡");
  CHECK(ascii->detail == "运动大量出汗");

  const auto wide = SplitLabel("\u3000特殊人群建议 ：\u00A0孕妇：多喝水 ");
  REQUIRE(wide);
  CHECK(wide->label == "特殊人群建议");
  CHECK(wide->detail == "孕妇：多喝水");

  const auto first_ascii = SplitLabel("甲:乙：丙");
  REQUIRE(first_ascii);
  CHECK(first_ascii->label == "甲");
  CHECK(first_ascii->detail == "乙：丙");

  const auto empty = SplitLabel("：");
  REQUIRE(empty);
  CHECK(empty->label.empty());
  CHECK(empty->detail.empty());

  CHECK_FALSE(SplitLabel("没有冒号"));
  CHECK_FALSE(SplitLabel(""));
}

TEST_CASE("TrimLabelColon and IsAdviceLabel", "[normalize][label]") {
  CHECK(TrimLabelColon("特殊人群建议：") == "特殊人群建议");
  CHECK(TrimLabelColon(" 电解质失衡: ") == "电解质失衡");
  CHECK(TrimLabelColon("标签：\u3000:") == "标签");
  CHECK(TrimLabelColon("无冒号") == "无冒号");
  CHECK(TrimLabelColon("：") == "");
  CHECK(TrimLabelColon("") == "");

  CHECK(IsAdviceLabel("特殊人群建议："));
  CHECK(IsAdviceLabel("饮食建议"));
  CHECK(IsAdviceLabel("饮食建议 :"));
  CHECK_FALSE(IsAdviceLabel("电解质失衡："));
  CHECK_FALSE(IsAdviceLabel("建议饮食"));
  CHECK_FALSE(IsAdviceLabel(""));
}

}  // namespace
}  // namespace medscrape
