#include "html/clean_input.h"

#include <array>
#include <cstring>

namespace medscrape {
namespace {

enum Action : uint8_t { kKeep, kDrop, kSpace, kCheckC1, kCheckInvisible };

constexpr std::array<uint8_t, 256> BuildActions() {
  std::array<uint8_t, 256> actions{};
  for (int c = 0; c < 0x20; ++c) actions[c] = kDrop;
  for (unsigned char c : {'\t', '\n', '\f', '\r'}) actions[c] = kKeep;
  actions['\v'] = kSpace;
  actions[0x7F] = kDrop;
  actions[0xC2] = kCheckC1;         // U+0080–U+00BF start with C2
  actions[0xE2] = kCheckInvisible;  // U+2000–U+2FFF
  actions[0xEF] = kCheckInvisible;  // U+F000–U+FFFF
  return actions;
}
constexpr std::array<uint8_t, 256> kActions = BuildActions();

// The three bytes at `p` (lead byte E2 or EF) encode an invisible format character:
// U+200B zero width space, U+200E/U+200F direction marks, U+202A–U+202E direction
// embeddings, U+2060–U+2064 word joiner and invisible operators, U+2066–U+2069
// direction isolates, U+FEFF zero width no-break space (a byte order mark inside
// the text). Zero width (non-)joiners U+200C/U+200D stay: they change how scripts
// and emoji join.
bool IsInvisible(const unsigned char* p) {
  if (p[0] == 0xEF) return p[1] == 0xBB && p[2] == 0xBF;
  if (p[1] == 0x80)
    return p[2] == 0x8B || p[2] == 0x8E || p[2] == 0x8F || (p[2] >= 0xAA && p[2] <= 0xAE);
  if (p[1] == 0x81) return (p[2] >= 0xA0 && p[2] <= 0xA4) || (p[2] >= 0xA6 && p[2] <= 0xA9);
  return false;
}

}  // namespace

size_t CapToCharBoundary(std::string_view input, size_t max_bytes) {
  if (input.size() <= max_bytes) return input.size();
  size_t end = max_bytes;
  // A UTF-8 sequence has at most three continuation bytes.
  for (int i = 0; i < 3 && end > 0 && (static_cast<unsigned char>(input[end]) & 0xC0) == 0x80;
       ++i) {
    --end;
  }
  return end;
}

size_t CopyWithoutControls(std::string_view input, char* out) {
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  const size_t size = input.size();
  size_t written = 0;
  size_t i = 0;
  while (i < size) {
    // Copy the run up to the next byte that needs a look, in one go.
    size_t run = i;
    while (run < size && kActions[in[run]] == kKeep) ++run;
    std::memcpy(out + written, in + i, run - i);
    written += run - i;
    i = run;
    if (i == size) break;
    switch (kActions[in[i]]) {
      case kSpace:
        out[written++] = ' ';
        ++i;
        break;
      case kCheckC1: {
        const unsigned char next = i + 1 < size ? in[i + 1] : 0;
        if (next == 0x85) {
          out[written++] = ' ';
          i += 2;
        } else if (next >= 0x80 && next <= 0x9F) {
          i += 2;
        } else if (next == 0xAD) {  // U+00AD soft hyphen: invisible unless a line breaks there.
          i += 2;
        } else {
          out[written++] = static_cast<char>(in[i++]);
        }
        break;
      }
      case kCheckInvisible:
        if (i + 2 < size && IsInvisible(in + i)) {
          i += 3;
        } else {
          out[written++] = static_cast<char>(in[i++]);
        }
        break;
      default:
        ++i;
        break;
    }
  }
  return written;
}

}  // namespace medscrape
