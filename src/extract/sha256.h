// Incremental SHA-256 (OpenSSL's libcrypto) for content_sha256.
#ifndef MEDSCRAPE_EXTRACT_SHA256_H_
#define MEDSCRAPE_EXTRACT_SHA256_H_

#include <memory>
#include <string>
#include <string_view>

namespace medscrape {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  // Lower-case hex digest; the object must not be updated afterwards.
  std::string HexDigest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string Sha256Hex(std::string_view bytes);

}  // namespace medscrape

#endif  // MEDSCRAPE_EXTRACT_SHA256_H_
