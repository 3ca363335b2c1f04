// A gzip file's bytes, as a site would store sitemap1.xml.gz, and a member inflated. Test
// helpers.
#ifndef MEDSCRAPE_TESTS_GZIP_TEST_UTIL_H_
#define MEDSCRAPE_TESTS_GZIP_TEST_UTIL_H_

#include <zlib.h>

#include <catch2/catch.hpp>
#include <string>

namespace medscrape::testing {

inline std::string Gzip(const std::string& data) {
  z_stream stream{};
  REQUIRE(deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                       Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&stream, Z_FINISH) == Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

// One gzip member's contents, inflated by zlib; "!" plus zlib's code when it is not whole.
inline std::string Gunzip(const std::string& member) {
  z_stream stream{};
  REQUIRE(inflateInit2(&stream, 16 + MAX_WBITS) == Z_OK);
  std::string out, chunk(1 << 16, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(member.data()));
  stream.avail_in = static_cast<uInt>(member.size());
  int code = Z_OK;
  while (code == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk.data());
    stream.avail_out = static_cast<uInt>(chunk.size());
    code = inflate(&stream, Z_NO_FLUSH);
    out.append(chunk.data(), chunk.size() - stream.avail_out);
  }
  const bool whole = code == Z_STREAM_END && stream.avail_in == 0;
  inflateEnd(&stream);
  return whole ? out : "!" + std::to_string(code);
}

}  // namespace medscrape::testing

#endif  // MEDSCRAPE_TESTS_GZIP_TEST_UTIL_H_
