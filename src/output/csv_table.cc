#include "output/csv_table.h"

#include <cerrno>
#include <cstring>
#include <utility>

namespace medscrape {
namespace {

bool NeedsQuotes(const std::string& field) {
  for (const char c : field) {
    if (c == ',' || c == '"' || c == '\r' || c == '\n') return true;
  }
  return false;
}

void AppendField(const std::string& field, std::string* line) {
  if (!NeedsQuotes(field)) {
    line->append(field);
    return;
  }
  line->push_back('"');
  size_t start = 0;
  for (size_t quote = field.find('"'); quote != std::string::npos;
       quote = field.find('"', quote + 1)) {
    line->append(field, start, quote + 1 - start);  // Up to and with the quote ...
    line->push_back('"');                           // ... doubled.
    start = quote + 1;
  }
  line->append(field, start, std::string::npos);
  line->push_back('"');
}

}  // namespace

std::string CsvField(const std::string& field) {
  std::string out;
  AppendField(field, &out);
  return out;
}

CsvTable::CsvTable(std::string path, const TableSpec& spec)
    : path_(std::move(path)), temp_path_(path_ + ".tmp") {
  file_ = std::fopen(temp_path_.c_str(), "wb");
  if (file_ == nullptr) {
    status_ = Status::Error(temp_path_ + ": cannot create: " + std::strerror(errno));
    return;
  }
  std::string header = "\xEF\xBB\xBF";
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    if (i > 0) header += ',';
    header += spec.columns[i].name;
  }
  status_ = Put(header + "\r\n");
}

CsvTable::~CsvTable() {
  if (file_ != nullptr) std::fclose(file_);
  if (!finished_) std::remove(temp_path_.c_str());
}

Status CsvTable::Put(const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
    return Status::Error(temp_path_ + ": write failed: " + std::strerror(errno));
  }
  return Status::Ok();
}

Status CsvTable::Write(const Row& row) {
  line_.clear();
  for (size_t i = 0; i < row.size(); ++i) {
    if (i > 0) line_ += ',';
    if (const auto* number = std::get_if<int64_t>(&row[i])) {
      line_ += std::to_string(*number);
    } else if (const auto* text = std::get_if<std::string>(&row[i])) {
      AppendField(*text, &line_);
    }
  }
  line_ += "\r\n";
  return Put(line_);
}

Status CsvTable::Finish() {
  std::FILE* file = file_;
  file_ = nullptr;
  if (std::fflush(file) != 0 || std::fclose(file) != 0) {
    return Status::Error(temp_path_ + ": write failed: " + std::strerror(errno));
  }
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return Status::Error(path_ + ": cannot rename " + temp_path_ +
                         " to it: " + std::strerror(errno));
  }
  finished_ = true;
  return Status::Ok();
}

}  // namespace medscrape
