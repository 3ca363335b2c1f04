#include "warc/digest.h"

#include <openssl/evp.h>

#include <cstdint>
#include <new>

#include "warc/sha1_lanes.h"

namespace medscrape {

struct Sha1::State {
  EVP_MD_CTX* context = nullptr;
};

Sha1::Sha1() : state_(std::make_unique<State>()) {
  state_->context = EVP_MD_CTX_new();
  if (state_->context == nullptr) throw std::bad_alloc();
  EVP_DigestInit_ex(state_->context, EVP_sha1(), nullptr);
}

Sha1::~Sha1() { EVP_MD_CTX_free(state_->context); }

void Sha1::Update(std::string_view bytes) {
  EVP_DigestUpdate(state_->context, bytes.data(), bytes.size());
}

std::string Sha1::FinishWarc() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->context, digest, &length);
  EVP_DigestInit_ex(state_->context, EVP_sha1(), nullptr);
  return "sha1:" + Base32(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string WarcSha1(std::string_view bytes) {
  Sha1 sha1;
  sha1.Update(bytes);
  return sha1.FinishWarc();
}

WarcDigests WarcSha1Both(std::string_view payload, std::string_view block_head,
                         std::string_view block_rest) {
  if (!sha1_lanes::Usable()) {
    Sha1 block;
    block.Update(block_head);
    block.Update(block_rest);
    return WarcDigests{WarcSha1(payload), block.FinishWarc()};
  }
  uint8_t payload_digest[20];
  uint8_t block_digest[20];
  sha1_lanes::TwoDigests({payload, {}}, {block_head, block_rest}, payload_digest, block_digest);
  auto warc = [](const uint8_t* digest) {
    return "sha1:" + Base32(std::string_view(reinterpret_cast<const char*>(digest), 20));
  };
  return WarcDigests{warc(payload_digest), warc(block_digest)};
}

std::string Base32(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  out.reserve((bytes.size() + 4) / 5 * 8);
  unsigned long long buffer = 0;
  int bits = 0;
  for (unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  while (out.size() % 8 != 0) out += '=';
  return out;
}

}  // namespace medscrape
