// DecodeToUtf8: weighs the evidence for a page's charset and decodes it.
#include "encoding/charset.h"

#include "encoding/detect.h"
#include "encoding/iconv_decoder.h"
#include "encoding/prescan.h"
#include "encoding/utf8.h"

namespace medscrape {
namespace {

constexpr char kUtf8[] = "UTF-8";
constexpr char kUtf8Bom[] = "\xEF\xBB\xBF";

// A declared UTF-8 survives a couple of invalid sequences (a page cut
// mid-character, a pasted Latin-1 word) and any number that stays within 0.1%
// of the non-ASCII bytes; beyond both the bytes are in another charset.
constexpr size_t kToleratedInvalidSequences = 2;
constexpr size_t kToleratedInvalidPerMille = 1;

// Valid multi-byte sequences (and no invalid one) that overrule a legacy
// declaration even when the legacy decoder accepts the bytes: a GBK character
// has well under a one-in-five chance of also being valid UTF-8, so four is
// proof enough, while fewer ("中文") are genuinely ambiguous.
constexpr size_t kUtf8EvidenceOverLegacy = 4;

// Warnings quote labels taken from the page or the network: keep them short
// printable ASCII so a record's warnings stay valid UTF-8.
constexpr size_t kMaxQuotedLabel = 40;

struct Decoding {
  std::string utf8;  // Valid UTF-8 without NUL.
  size_t replaced = 0;
  size_t nul_bytes = 0;
};

struct Choice {
  std::string charset;  // A CanonicalCharset name.
  CharsetSource source;
};

std::string Quoted(std::string_view label) {
  std::string quoted = "'";
  for (char c : label.substr(0, kMaxQuotedLabel)) quoted += c >= 0x20 && c < 0x7F ? c : '?';
  if (label.size() > kMaxQuotedLabel) quoted += "...";
  return quoted + "'";
}

std::string UnknownLabelWarning(std::string_view label) {
  return "charset: unknown label " + Quoted(label) + " ignored";
}

bool IsUtf16(const std::string& charset) { return charset == "UTF-16LE" || charset == "UTF-16BE"; }

bool ContradictsUtf8(const Utf8Scan& scan) {
  return scan.invalid_sequences > kToleratedInvalidSequences &&
         scan.invalid_sequences * 1000 > scan.non_ascii_bytes * kToleratedInvalidPerMille;
}

// *scan_out, when given, receives the statistics of `body`.
Decoding DecodeUtf8(std::string_view body, Utf8Scan* scan_out = nullptr) {
  Decoding decoding;
  const Utf8Scan scan = ScanUtf8(body, &decoding.utf8);
  decoding.replaced = scan.invalid_sequences;
  decoding.nul_bytes = scan.nul_bytes;
  if (scan_out != nullptr) *scan_out = scan;
  return decoding;
}

// Decodes with iconv; *charset becomes UTF-8 (with a warning) in the unlikely
// case that this system's iconv lacks the converter.
Decoding DecodeAs(std::string_view body, std::string* charset, std::vector<std::string>* warnings) {
  if (*charset == kUtf8) return DecodeUtf8(body);
  std::optional<IconvDecoded> decoded = IconvDecode(body, *charset);
  if (!decoded) {
    warnings->push_back("charset: no converter for " + Quoted(*charset) + ", decoded as UTF-8");
    *charset = kUtf8;
    return DecodeUtf8(body);
  }
  // iconv keeps U+0000 and is trusted no further than necessary: the same pass
  // that drops NULs guarantees valid UTF-8.
  Decoding decoding = DecodeUtf8(decoded->utf8);
  decoding.replaced += decoded->replaced;
  return decoding;
}

void Emit(Decoding decoding, std::string charset, CharsetSource source, DecodedText* result) {
  if (decoding.utf8.compare(0, 3, kUtf8Bom) == 0) decoding.utf8.erase(0, 3);
  result->utf8 = std::move(decoding.utf8);
  result->charset = std::move(charset);
  result->source = source;
  if (decoding.replaced > 0) {
    result->warnings.push_back("charset: " + std::to_string(decoding.replaced) +
                               " invalid byte sequences replaced");
  }
  if (decoding.nul_bytes > 0) result->warnings.push_back("input contains NUL bytes");
}

void DecodeWith(std::string_view body, Choice choice, DecodedText* result) {
  Decoding decoding = DecodeAs(body, &choice.charset, &result->warnings);
  Emit(std::move(decoding), std::move(choice.charset), choice.source, result);
}

struct Bom {
  size_t size;
  const char* charset;
};

std::optional<Bom> FindBom(std::string_view raw) {
  if (raw.substr(0, 3) == kUtf8Bom) return Bom{3, kUtf8};
  if (raw.substr(0, 2) == "\xFF\xFE") return Bom{2, "UTF-16LE"};
  if (raw.substr(0, 2) == "\xFE\xFF") return Bom{2, "UTF-16BE"};
  return std::nullopt;
}

// Header charset, else the <meta> prescan; unknown labels add warnings.
std::optional<Choice> DeclaredCharset(std::string_view raw, const DecodeOptions& options,
                                      std::vector<std::string>* warnings) {
  if (!options.header_charset.empty()) {
    if (std::optional<std::string> charset = CanonicalCharset(options.header_charset)) {
      return Choice{std::move(*charset), CharsetSource::kHeader};
    }
    warnings->push_back(UnknownLabelWarning(options.header_charset));
  }
  MetaPrescan meta = PrescanMeta(raw);
  for (const std::string& label : meta.unknown_labels) {
    warnings->push_back(UnknownLabelWarning(label));
  }
  if (!meta.label) return std::nullopt;
  std::string charset = *CanonicalCharset(*meta.label);
  // A <meta> that the prescan could read as ASCII is not UTF-16 (WHATWG).
  if (IsUtf16(charset)) charset = kUtf8;
  return Choice{std::move(charset), CharsetSource::kMeta};
}

// No usable declaration. Pure ASCII carries no information and valid UTF-8
// needs no guess; only the rest goes to uchardet.
void DecodeUndeclared(std::string_view raw, DecodedText* result) {
  const Utf8Scan scan = ScanUtf8(raw, nullptr);
  if (scan.non_ascii_bytes == 0 || scan.invalid_sequences == 0) {
    DecodeWith(
        raw,
        {kUtf8, scan.non_ascii_bytes == 0 ? CharsetSource::kDefault : CharsetSource::kDetected},
        result);
    return;
  }
  const std::string detected = DetectCharset(raw);
  std::optional<std::string> charset = CanonicalCharset(detected);
  if (!charset) {
    if (!detected.empty()) result->warnings.push_back(UnknownLabelWarning(detected));
    DecodeWith(raw, {kUtf8, CharsetSource::kDefault}, result);
    return;
  }
  DecodeWith(raw, {std::move(*charset), CharsetSource::kDetected}, result);
}

// Declared UTF-8: the hot path, one validating copy. When the bytes contradict
// the declaration, detection decides; if it still says UTF-8 the declaration stands.
void DecodeDeclaredUtf8(std::string_view raw, CharsetSource source, DecodedText* result) {
  Utf8Scan scan;
  Decoding decoding = DecodeUtf8(raw, &scan);
  if (ContradictsUtf8(scan)) {
    std::optional<std::string> detected = CanonicalCharset(DetectCharset(raw));
    if (detected && *detected != kUtf8) {
      result->warnings.push_back("charset: declared UTF-8 but bytes are not UTF-8");
      DecodeWith(raw, {std::move(*detected), CharsetSource::kDetected}, result);
      return;
    }
  }
  Emit(std::move(decoding), kUtf8, source, result);
}

// Declared legacy charset: honoured unless the bytes are valid multi-byte UTF-8
// and either the legacy decoder chokes on them or there is enough of it.
void DecodeDeclaredLegacy(std::string_view raw, Choice choice, DecodedText* result) {
  const Utf8Scan scan = ScanUtf8(raw, nullptr);
  Decoding decoding = DecodeAs(raw, &choice.charset, &result->warnings);
  const bool bytes_are_utf8 =
      choice.charset != kUtf8 && scan.invalid_sequences == 0 && scan.multibyte_chars > 0 &&
      (decoding.replaced > 0 || scan.multibyte_chars >= kUtf8EvidenceOverLegacy);
  if (bytes_are_utf8) {
    result->warnings.push_back("charset: declared " + choice.charset + " but bytes are UTF-8");
    DecodeWith(raw, {kUtf8, CharsetSource::kDetected}, result);
    return;
  }
  Emit(std::move(decoding), std::move(choice.charset), choice.source, result);
}

}  // namespace

const char* CharsetSourceName(CharsetSource source) {
  switch (source) {
    case CharsetSource::kBom:
      return "bom";
    case CharsetSource::kHeader:
      return "header";
    case CharsetSource::kMeta:
      return "meta";
    case CharsetSource::kDetected:
      return "detected";
    case CharsetSource::kForced:
      return "forced";
    case CharsetSource::kDefault:
      return "default";
  }
  return "default";
}

Result<DecodedText> DecodeToUtf8(std::string_view raw, const DecodeOptions& options) {
  DecodedText result;
  if (!options.forced_charset.empty()) {
    std::optional<std::string> charset = CanonicalCharset(options.forced_charset);
    if (!charset) return Status::Error("unknown charset " + Quoted(options.forced_charset));
    DecodeWith(raw, {std::move(*charset), CharsetSource::kForced}, &result);
    return result;
  }
  if (std::optional<Bom> bom = FindBom(raw)) {
    DecodeWith(raw.substr(bom->size), {bom->charset, CharsetSource::kBom}, &result);
    return result;
  }
  std::optional<Choice> declared = DeclaredCharset(raw, options, &result.warnings);
  if (!declared) {
    DecodeUndeclared(raw, &result);
  } else if (declared->charset == kUtf8) {
    DecodeDeclaredUtf8(raw, declared->source, &result);
  } else if (IsUtf16(declared->charset)) {
    DecodeWith(raw, std::move(*declared), &result);
  } else {
    DecodeDeclaredLegacy(raw, std::move(*declared), &result);
  }
  return result;
}

}  // namespace medscrape
