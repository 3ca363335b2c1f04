// Encoding labels -> canonical decoder names (CanonicalCharset in charset.h).
#include <string>
#include <unordered_map>

#include "base/space.h"
#include "encoding/charset.h"

namespace medscrape {
namespace {

using LabelMap = std::unordered_map<std::string, std::string>;

struct LabelGroup {
  const char* canonical;  // Also the iconv name (see iconv_decoder.cc for supersets).
  std::initializer_list<const char*> labels;
};

// WHATWG Encoding Standard labels, plus garbage seen in the wild ("utf8mb4",
// "gbk2312", "cp936", "euc-cn") and uchardet's names. The gbk family decodes as GB18030 because
// glibc's GB2312 rejects GBK-only characters and GB18030 is a superset of both. Latin-1 and ASCII
// labels mean windows-1252, as in browsers.
const LabelGroup kLabelGroups[] = {
    {"UTF-8",
     {"unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8",
      "utf8mb4", "utf-8mb4", "utf8mb3"}},
    {"GB18030",
     {"chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk",
      "iso-ir-58", "x-gbk", "gb18030", "gb-2312", "gb2312-80", "gbk2312", "cp936", "windows-936",
      "ms936", "euc-cn", "x-euc-cn"}},
    {"BIG5", {"big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"}},
    {"EUC-JP", {"cseucpkdfmtjapanese", "euc-jp", "x-euc-jp"}},
    {"ISO-2022-JP", {"csiso2022jp", "iso-2022-jp"}},
    {"SHIFT_JIS",
     {"csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis", "windows-31j", "x-sjis",
      "cp932"}},
    {"EUC-KR",
     {"cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987",
      "ks_c_5601-1989", "ksc5601", "ksc_5601", "windows-949", "cp949", "uhc"}},
    {"EUC-TW", {"euc-tw", "x-euc-tw"}},
    {"UTF-16LE",
     {"csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"}},
    {"UTF-16BE", {"unicodefffe", "utf-16be"}},
    {"WINDOWS-1252",
     {"ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1",
      "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1",
      "us-ascii", "windows-1252", "x-cp1252"}},
    {"WINDOWS-1254",
     {"csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9", "iso88599", "iso_8859-9",
      "iso_8859-9:1989", "l5", "latin5", "windows-1254", "cp1254", "x-cp1254"}},
    {"WINDOWS-874",
     {"dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874", "cp874"}},
    {"ISO-8859-2", {"csisolatin2", "iso-ir-101", "iso_8859-2:1987", "l2", "latin2"}},
    {"ISO-8859-3", {"csisolatin3", "iso-ir-109", "iso_8859-3:1988", "l3", "latin3"}},
    {"ISO-8859-4", {"csisolatin4", "iso-ir-110", "iso_8859-4:1988", "l4", "latin4"}},
    {"ISO-8859-5", {"csisolatincyrillic", "cyrillic", "iso-ir-144", "iso_8859-5:1988"}},
    {"ISO-8859-6",
     {"arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic", "ecma-114",
      "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127", "iso_8859-6:1987"}},
    {"ISO-8859-7",
     {"csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-ir-126", "iso_8859-7:1987",
      "sun_eu_greek"}},
    {"ISO-8859-8",
     {"csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8-e", "iso-ir-138", "iso_8859-8:1988",
      "visual", "csiso88598i", "iso-8859-8-i", "logical"}},
    {"ISO-8859-10", {"csisolatin6", "iso-ir-157", "l6", "latin6"}},
    {"ISO-8859-15", {"csisolatin9", "l9", "latin-9"}},
    {"KOI8-R", {"cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"}},
    {"KOI8-U", {"koi8-ru", "koi8-u"}},
    {"IBM866", {"866", "cp866", "csibm866", "ibm866"}},
    {"MACINTOSH", {"csmacintosh", "mac", "macintosh", "x-mac-roman"}},
    {"MAC-CYRILLIC", {"x-mac-cyrillic", "x-mac-ukrainian", "mac-cyrillic"}},
    // Not WHATWG labels, but answers uchardet gives.
    {"IBM855", {"ibm855", "cp855"}},
    {"MAC-CENTRALEUROPE", {"mac-centraleurope", "x-mac-ce"}},
    {"VISCII", {"viscii"}},
};

// ISO-8859-n parts whose spellings follow one pattern ("iso-8859-2", "iso8859-2",
// "iso88592", "iso_8859-2"); 1, 9 and 11 map to windows code pages above.
const int kIsoParts[] = {2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16};

// windows-125n other than 1252 and 1254, spelled "windows-125n", "cp125n", "x-cp125n".
const int kWindowsPages[] = {1250, 1251, 1253, 1255, 1256, 1257, 1258};

LabelMap BuildLabelMap() {
  LabelMap map;
  for (const LabelGroup& group : kLabelGroups) {
    for (const char* label : group.labels) map.emplace(label, group.canonical);
  }
  for (int part : kIsoParts) {
    const std::string n = std::to_string(part);
    const std::string canonical = "ISO-8859-" + n;
    for (const char* prefix : {"iso-8859-", "iso8859-", "iso8859", "iso_8859-"}) {
      map.emplace(prefix + n, canonical);
    }
  }
  for (int page : kWindowsPages) {
    const std::string n = std::to_string(page);
    for (const char* prefix : {"windows-", "cp", "x-cp"}) map.emplace(prefix + n, "WINDOWS-" + n);
  }
  return map;
}

bool IsTrimmed(char c) { return IsAsciiSpace(c) || c == '"' || c == '\''; }

}  // namespace

std::optional<std::string> CanonicalCharset(std::string_view label) {
  while (!label.empty() && IsTrimmed(label.front())) label.remove_prefix(1);
  while (!label.empty() && IsTrimmed(label.back())) label.remove_suffix(1);
  std::string key(label);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  static const LabelMap* const kLabels = new LabelMap(BuildLabelMap());
  const auto it = kLabels->find(key);
  if (it == kLabels->end()) return std::nullopt;
  return it->second;
}

}  // namespace medscrape
