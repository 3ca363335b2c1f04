// Status and Result<T>: expected failures travel as values, never as exceptions
// across layers.
#ifndef MEDSCRAPE_BASE_STATUS_H_
#define MEDSCRAPE_BASE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace medscrape {

// What kind of failure a Status is, for callers that act on the kind: they
// compare codes, never message text.
enum class StatusCode {
  kOk,
  kError,        // Any failure without a kind of its own.
  kNotHtml,      // The input is not a page at all (binary: image, archive...).
  kEmpty,        // The input is empty or white space only.
  kTooLarge,     // The page's tree would pass its memory budget.
  kOutOfMemory,  // Memory ran out while handling one input.
  kLocked,       // Another run holds the job or the output file (a harmless overlap).
  kNotFound,     // A named thing (a shared job) does not exist (yet).
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Error(StatusCode::kError, std::move(message)); }
  static Status Error(StatusCode code, std::string message) {
    assert(code != StatusCode::kOk);
    return Status(code, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(StatusCode code, std::string message) : message_(std::move(message)), code_(code) {}
  std::string message_;
  StatusCode code_ = StatusCode::kOk;
};

// Holds either a value or a failed Status. Accessing value() of a failed
// Result is a programming error (asserted).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T& value() & {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_BASE_STATUS_H_
