// CurlTransfer's body path: bytes as libcurl hands them over, the chunked framing of a
// captured transfer, content decoding and the size cap.
#include <algorithm>
#include <memory>
#include <string>

#include "fetch/curl_headers.h"
#include "fetch/curl_transfer.h"

namespace medscrape {

// Receives body bytes as received (libcurl's content decoding is off) and
// decodes gzip/deflate here. Returning less than given aborts the transfer with
// CURLE_WRITE_ERROR; too_large_ and decode_error_ tell those apart from running
// out of memory.
size_t CurlTransfer::OnBody(char* data, size_t size, size_t count, void* self) noexcept {
  auto* transfer = static_cast<CurlTransfer*>(self);
  const size_t bytes = size * count;  // libcurl always passes size 1.
  if (!transfer->coding_known_) {
    transfer->coding_known_ = true;
    try {
      if (std::string lengths = ConflictingLengths(transfer->easy_.get()); !lengths.empty()) {
        transfer->decode_error_ = "conflicting Content-Length headers: " + lengths;
        return 0;
      }
      const std::string value = AllHeaders(transfer->easy_.get(), "Content-Encoding");
      const ContentCoding coding = ParseContentEncoding(value);
      if (coding == ContentCoding::kUnsupported) {
        transfer->decode_error_ = "unsupported Content-Encoding: " + value;
        return 0;
      }
      if (coding != ContentCoding::kIdentity) {
        transfer->decoder_ = std::make_unique<ContentDecoder>(coding);
      }
      // A captured transfer gets its body with the chunked framing kept (libcurl still
      // checks it); the framing is undone here before decoding.
      if (transfer->recorder_ != nullptr &&
          AllHeaders(transfer->easy_.get(), "Transfer-Encoding").find("chunked") !=
              std::string::npos) {
        transfer->dechunker_ = std::make_unique<Dechunker>();
      }
      transfer->ReserveBody();
    } catch (...) {
      return 0;
    }
  }
  if (transfer->recorder_ != nullptr) transfer->recorder_->Body(data, bytes);
  if (transfer->dechunker_ == nullptr) return transfer->Consume(data, bytes) ? bytes : 0;
  try {
    std::string piece;
    if (transfer->dechunker_->Feed(data, bytes, &piece) == Dechunker::Result::kCorrupt) {
      transfer->decode_error_ = "bad chunked framing: " + transfer->dechunker_->error();
      return 0;
    }
    return transfer->Consume(piece.data(), piece.size()) ? bytes : 0;
  } catch (...) {
    return 0;
  }
}

// Takes decoded-transfer body bytes: content decoding (gzip, deflate, br) and the cap.
bool CurlTransfer::Consume(const char* data, size_t bytes) noexcept {
  if (decoder_ != nullptr) {
    try {
      switch (decoder_->Feed(data, bytes, BodyCap(), &body_)) {
        case ContentDecoder::Result::kOk:
          return true;
        case ContentDecoder::Result::kTooLarge:
          CapReached();
          return false;
        case ContentDecoder::Result::kCorrupt:
          decode_error_ = std::string("bad ") + decoder_->name() + " stream: " + decoder_->error();
          return false;
      }
    } catch (...) {
    }
    return false;
  }
  const size_t room = BodyCap() - body_.size();
  try {
    body_.append(data, std::min(bytes, room));
  } catch (...) {
    return false;
  }
  if (bytes > room) {
    CapReached();
    return false;
  }
  return true;
}

// Room for the body the head announces, so that it is not copied as it grows: no more than
// the cap, nor than 1 MiB whatever a server claims (a lie costs no more than that).
void CurlTransfer::ReserveBody() {
  constexpr curl_off_t kMostReserved = curl_off_t{1} << 20;
  curl_off_t length = -1;
  if (curl_easy_getinfo(easy_.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) != CURLE_OK ||
      length <= 0) {
    return;
  }
  const size_t room = static_cast<size_t>(std::min(length, kMostReserved));
  if (recorder_ != nullptr) recorder_->Reserve(room);
  if (decoder_ == nullptr) body_.reserve(std::min(room, BodyCap()));
}

size_t CurlTransfer::BodyCap() const {
  return request_.max_body_bytes != 0 ? request_.max_body_bytes : options_.max_body_bytes;
}

void CurlTransfer::CapReached() { (request_.keep_prefix ? prefix_kept_ : too_large_) = true; }

}  // namespace medscrape
