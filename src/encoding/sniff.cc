// SniffBinary: keeps images, archives and executables served as text/html
// away from the HTML parser.
#include <algorithm>
#include <string_view>

#include "encoding/charset.h"

namespace medscrape {
namespace {

using std::string_view_literals::operator""sv;

// `prefix` at offset 0, then `bytes` at `offset` (either may be empty).
struct Magic {
  std::string_view prefix;
  size_t offset;
  std::string_view bytes;
  const char* description;
};

constexpr Magic kMagics[] = {
    {"\x89PNG\r\n\x1A\n"sv, 0, ""sv, "PNG image"},
    {"GIF87a"sv, 0, ""sv, "GIF image"},
    {"GIF89a"sv, 0, ""sv, "GIF image"},
    {"\xFF\xD8\xFF"sv, 0, ""sv, "JPEG image"},
    {"%PDF-"sv, 0, ""sv, "PDF document"},
    {"PK\x03\x04"sv, 0, ""sv, "ZIP archive"},
    {"PK\x05\x06"sv, 0, ""sv, "ZIP archive"},  // Empty archive.
    {"PK\x07\x08"sv, 0, ""sv, "ZIP archive"},  // Spanned archive.
    {"\x1F\x8B"sv, 0, ""sv, "gzip data"},
    {"BZh"sv, 4, "1AY&SY"sv, "bzip2 data"},  // Block size digit, then the block magic.
    {"\xFD"
     "7zXZ\x00"sv,
     0, ""sv, "xz data"},
    {"7z\xBC\xAF\x27\x1C"sv, 0, ""sv, "7z archive"},
    {"Rar!\x1A\x07"sv, 0, ""sv, "RAR archive"},
    {"RIFF"sv, 8, "WEBP"sv, "WebP image"},
    {"RIFF"sv, 8, "WAVE"sv, "WAV audio"},
    {"RIFF"sv, 8, "AVI "sv, "AVI video"},
    {"RIFF"sv, 0, ""sv, "RIFF media"},
    {"\x7F"
     "ELF"sv,
     0, ""sv, "ELF executable"},
    {"\xFE\xED\xFA\xCE"sv, 0, ""sv, "Mach-O executable"},
    {"\xFE\xED\xFA\xCF"sv, 0, ""sv, "Mach-O executable"},
    {"\xCE\xFA\xED\xFE"sv, 0, ""sv, "Mach-O executable"},
    {"\xCF\xFA\xED\xFE"sv, 0, ""sv, "Mach-O executable"},
    {"wOFF"sv, 0, ""sv, "WOFF font"},
    {"wOF2"sv, 0, ""sv, "WOFF2 font"},
    {""sv, 4, "ftyp"sv, "MP4 video"},
    {"OggS"sv, 0, ""sv, "Ogg media"},
    {"\x00"
     "asm"sv,
     0, ""sv, "WebAssembly module"},
    {"SQLite format 3\x00"sv, 0, ""sv, "SQLite database"},
    {"\x1A\x45\xDF\xA3"sv, 0, ""sv, "Matroska/WebM video"},
};

// The text heuristic reads this many leading bytes.
constexpr size_t kSniffWindow = 4096;

// Text has almost no C0 controls besides \t \n \f \r and ESC (ISO-2022); random
// or compressed bytes have about 10.5%. Between the two, 5% leaves room for a
// page with a few stray NULs.
constexpr size_t kMaxControlPercent = 5;

bool HasAt(std::string_view raw, size_t offset, std::string_view bytes) {
  return raw.size() >= offset + bytes.size() && raw.substr(offset, bytes.size()) == bytes;
}

// The first match wins, so specific entries precede general ones.
std::optional<std::string> MatchMagic(std::string_view raw) {
  for (const Magic& magic : kMagics) {
    if (HasAt(raw, 0, magic.prefix) && HasAt(raw, magic.offset, magic.bytes)) {
      return std::string(magic.description);
    }
  }
  return std::nullopt;
}

bool IsBinaryControl(unsigned char c) {
  return c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r' && c != 0x1B;
}

}  // namespace

std::optional<std::string> SniffBinary(std::string_view raw) {
  if (std::optional<std::string> format = MatchMagic(raw)) return format;
  // UTF-16 text is half NUL bytes; its BOM says so.
  if (HasAt(raw, 0, "\xFF\xFE"sv) || HasAt(raw, 0, "\xFE\xFF"sv)) return std::nullopt;
  const std::string_view window = raw.substr(0, kSniffWindow);
  const size_t controls =
      static_cast<size_t>(std::count_if(window.begin(), window.end(), [](char c) {
        return IsBinaryControl(static_cast<unsigned char>(c));
      }));
  if (controls * 100 > window.size() * kMaxControlPercent) return std::string("binary data");
  return std::nullopt;
}

}  // namespace medscrape
