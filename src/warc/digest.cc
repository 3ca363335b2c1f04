#include "warc/digest.h"

#include <openssl/evp.h>

#include <new>

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
