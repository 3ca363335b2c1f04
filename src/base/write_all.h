// The project's one loop for writing a whole buffer to a file descriptor: write(2) (or
// pwrite(2) at an offset) again after a short write or EINTR.
#ifndef MEDSCRAPE_BASE_WRITE_ALL_H_
#define MEDSCRAPE_BASE_WRITE_ALL_H_

#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <string_view>

namespace medscrape {

// All of `bytes` to `fd`, at its file position, or at offset `at` when it is not negative.
// False when that cannot be done: errno tells why (0 when a call wrote nothing).
inline bool WriteAll(int fd, std::string_view bytes, off_t at = -1) {
  size_t done = 0;
  while (done < bytes.size()) {
    const char* data = bytes.data() + done;
    const size_t left = bytes.size() - done;
    const ssize_t n =
        at < 0 ? ::write(fd, data, left) : ::pwrite(fd, data, left, at + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = 0;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace medscrape

#endif  // MEDSCRAPE_BASE_WRITE_ALL_H_
