#include "html/clean_input.h"

#include <array>
#include <cstring>

namespace medscrape {
namespace {

enum Action : uint8_t { kKeep, kDrop, kSpace, kCheckC1 };

constexpr std::array<uint8_t, 256> BuildActions() {
  std::array<uint8_t, 256> actions{};
  for (int c = 0; c < 0x20; ++c) actions[c] = kDrop;
  for (unsigned char c : {'\t', '\n', '\f', '\r'}) actions[c] = kKeep;
  actions['\v'] = kSpace;
  actions[0x7F] = kDrop;
  actions[0xC2] = kCheckC1;  // U+0080–U+00BF start with C2
  return actions;
}
constexpr std::array<uint8_t, 256> kActions = BuildActions();

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
        } else {
          out[written++] = static_cast<char>(in[i++]);
        }
        break;
      }
      default:
        ++i;
        break;
    }
  }
  return written;
}

}  // namespace medscrape
