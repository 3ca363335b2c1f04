#include "cli/inputs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "encoding/charset.h"
#include "extract/sha256.h"
#include "url/url.h"
#include "warc/warc_reader.h"

namespace medscrape {
namespace {

namespace fs = std::filesystem;

// Beyond this an input is not read to its end (an endless pipe, a device):
// hashing it all would cost unbounded time. 50 MB pages stay well inside.
constexpr size_t kMaxReadBytes = size_t{128} << 20;
// SniffBinary looks at the first 4 KB.
constexpr size_t kSniffBytes = 4096;

bool IsHtmlName(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".html" || ext == ".htm" || ext == ".shtml" || IsWarcName(path.string());
}

std::vector<std::string> HtmlFilesUnder(const std::string& folder, std::string* error) {
  std::vector<std::string> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && IsHtmlName(it->path()))
      files.push_back(it->path().string());
  }
  if (ec) *error = "cannot list folder: " + ec.message();
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::vector<InputSpec> ExpandInputs(const std::vector<std::string>& arguments) {
  std::vector<InputSpec> inputs;
  for (const std::string& argument : arguments) {
    std::error_code ec;
    if (argument == "-" || !fs::is_directory(argument, ec)) {
      inputs.push_back({argument, "", argument != "-" && IsWarcName(argument)});
      continue;
    }
    std::string error;
    std::vector<std::string> files = HtmlFilesUnder(argument, &error);
    if (files.empty() && error.empty()) error = "is a folder with no HTML files";
    if (!error.empty()) inputs.push_back({argument, error});
    for (std::string& file : files) {
      const bool warc = IsWarcName(file);
      inputs.push_back({std::move(file), "", warc});
    }
  }
  return inputs;
}

Result<RawInput> ReadInput(const std::string& path, size_t max_bytes) {
  const bool is_stdin = path == "-";
  const int fd = is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(std::strerror(errno));
  struct stat info;
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    if (!is_stdin) ::close(fd);
    return Status::Error("is a folder");
  }
  RawInput input;
  Sha256 hash;
  std::string buffer(1 << 16, '\0');
  bool sniffed = false;
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      if (!is_stdin) ::close(fd);
      return Status::Error(std::string("read failed: ") + std::strerror(saved));
    }
    if (n == 0) break;
    std::string_view chunk(buffer.data(), static_cast<size_t>(n));
    if (input.total_bytes + chunk.size() > kMaxReadBytes) {
      if (!is_stdin) ::close(fd);
      return Status::Error("input larger than " + std::to_string(kMaxReadBytes) +
                           " bytes: not a page");
    }
    hash.Update(chunk);
    input.total_bytes += chunk.size();
    if (input.bytes.size() < max_bytes) {
      input.bytes.append(chunk.substr(0, max_bytes - input.bytes.size()));
    }
    if (!sniffed && input.bytes.size() >= kSniffBytes) {
      // Decide on binary from the start, so /dev/zero or a video ends here.
      sniffed = true;
      if (std::optional<std::string> kind = SniffBinary(input.bytes)) {
        if (!is_stdin) ::close(fd);
        return Status::Error("not HTML: " + *kind);
      }
    }
  }
  if (!is_stdin) ::close(fd);
  input.sha256 = hash.HexDigest();
  if (input.total_bytes > input.bytes.size()) {
    input.warnings.push_back("html truncated: input cut at " + std::to_string(input.bytes.size()) +
                             " of " + std::to_string(input.total_bytes) + " bytes");
  }
  if (!is_stdin) {
    std::error_code ec;
    input.fallback_url = FileUrl(std::filesystem::absolute(path, ec).lexically_normal().string());
  }
  return input;
}

}  // namespace medscrape
