// The digests WARC records carry: "sha1:" and the SHA-1 in RFC 4648 base32, the form
// wget, Heritrix, warcio and pywb write and read.
#ifndef MEDSCRAPE_WARC_DIGEST_H_
#define MEDSCRAPE_WARC_DIGEST_H_

#include <memory>
#include <string>
#include <string_view>

namespace medscrape {

// An incremental SHA-1. Thread-safety: none.
class Sha1 {
 public:
  Sha1();
  ~Sha1();
  Sha1(const Sha1&) = delete;
  Sha1& operator=(const Sha1&) = delete;
  void Update(std::string_view bytes);
  // "sha1:" + base32 of the digest of everything updated so far; resets the state.
  std::string FinishWarc();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// "sha1:<base32>" of `bytes`.
std::string WarcSha1(std::string_view bytes);

// A response record's two digests, computed together: WarcSha1 of `payload` and of
// `block_head` followed by `block_rest`. Where the CPU has the SHA extensions the two are
// hashed in one interleaved pass (sha1_lanes.h), nearly at the cost of one.
struct WarcDigests {
  std::string payload;
  std::string block;
};
WarcDigests WarcSha1Both(std::string_view payload, std::string_view block_head,
                         std::string_view block_rest);

// RFC 4648 base32 (upper case, '=' padding).
std::string Base32(std::string_view bytes);

}  // namespace medscrape

#endif  // MEDSCRAPE_WARC_DIGEST_H_
