#include "output/record_tables.h"

#include <cctype>
#include <set>
#include <string_view>

namespace medscrape {
namespace {

using Json = nlohmann::ordered_json;

// Record keys the columns and the answers and items tables hold; any other key goes to
// `extra`. Provenance keys (charset, extractor, http) are kept only as their columns.
const std::set<std::string, std::less<>>& ConsumedKeys() {
  static const std::set<std::string, std::less<>> keys = {
      "schema_version", "url",      "site",    "page_type", "title",
      "published",      "views",    "summary", "question",  "disease",
      "fetched_at",     "change",   "http",    "charset",   "extractor",
      "content_sha256", "warnings", "answers", "causes",    "advice"};
  return keys;
}

// A text column: strings as they are, other scalars and structures as JSON, null as NULL.
Cell Text(const Json& value) {
  if (value.is_null()) return std::monostate{};
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Cell Text(const Json& object, std::string_view key) {
  if (!object.is_object()) return std::monostate{};
  const auto it = object.find(key);
  return it == object.end() ? Cell{} : Text(*it);
}

// An integer column: integers as they are; anything else (null, text, a fraction) NULL.
Cell Integer(const Json& object, std::string_view key) {
  if (!object.is_object()) return std::monostate{};
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::monostate{};
  return it->get<int64_t>();
}

Cell DateOf(const Cell& published) {
  const std::string* text = std::get_if<std::string>(&published);
  if (text == nullptr) return std::monostate{};
  std::string date = PublishedDate(*text);
  return date.empty() ? Cell{} : Cell{std::move(date)};
}

const Json& Member(const Json& object, std::string_view key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string JoinedWarnings(const Json& warnings) {
  std::string joined;
  if (!warnings.is_array()) return joined;
  for (const Json& warning : warnings) {
    if (!joined.empty()) joined += "; ";
    joined += warning.is_string() ? warning.get<std::string>() : warning.dump();
  }
  return joined;
}

void AddAnswers(const Json& record, int64_t page_id, std::vector<Row>* rows) {
  const Json& answers = Member(record, "answers");
  if (!answers.is_array()) return;
  const bool excerpt = Member(record, "page_type") == "article";
  const Cell url = Text(record, "url");
  int64_t position = 0;
  for (const Json& answer : answers) {
    const Json& doctor = Member(answer, "doctor");
    // An article's answers are excerpts linking to their question page; a question page's
    // answers are whole, on the page itself, under the page's question.
    Cell question = excerpt ? Text(answer, "question") : Text(record, "question");
    Cell answer_url = excerpt ? Text(answer, "url") : url;
    Cell published = Text(answer, "published");
    Cell date = DateOf(published);
    rows->push_back(Row{page_id, url, ++position, std::string(excerpt ? "excerpt" : "full"),
                        std::move(question), std::move(answer_url), Text(doctor, "name"),
                        Text(doctor, "title"), Text(doctor, "hospital"),
                        Text(doctor, "hospital_grade"), Text(doctor, "department"),
                        Text(answer, "text"), std::move(published), std::move(date)});
  }
}

void AddItems(const Json& record, int64_t page_id, const char* key, const char* kind,
              std::vector<Row>* rows) {
  const Json& items = Member(record, key);
  if (!items.is_array()) return;
  int64_t position = 0;
  for (const Json& item : items) {
    rows->push_back(Row{page_id, Text(record, "url"), std::string(kind), ++position,
                        Text(item, "name"), Text(item, "detail")});
  }
}

}  // namespace

const std::vector<TableSpec>& ExportTables() {
  static const std::vector<TableSpec> tables = {
      {"pages",
       {{"page_id", "INTEGER"},
        {"url", "TEXT"},
        {"site", "TEXT"},
        {"page_type", "TEXT"},
        {"title", "TEXT"},
        {"published", "TEXT"},
        {"published_date", "TEXT"},
        {"views", "INTEGER"},
        {"summary", "TEXT"},
        {"question", "TEXT"},
        {"disease_name", "TEXT"},
        {"disease_description", "TEXT"},
        {"fetched_at", "TEXT"},
        {"change", "TEXT"},
        {"http_status", "INTEGER"},
        {"content_sha256", "TEXT"},
        {"extractor_version", "INTEGER"},
        {"warnings", "TEXT"},
        {"answer_count", "INTEGER"},
        {"extra", "TEXT"}}},
      {"answers",
       {{"page_id", "INTEGER"},
        {"url", "TEXT"},
        {"position", "INTEGER"},
        {"kind", "TEXT"},
        {"question", "TEXT"},
        {"answer_url", "TEXT"},
        {"doctor_name", "TEXT"},
        {"doctor_title", "TEXT"},
        {"doctor_hospital", "TEXT"},
        {"doctor_hospital_grade", "TEXT"},
        {"doctor_department", "TEXT"},
        {"text", "TEXT"},
        {"published", "TEXT"},
        {"published_date", "TEXT"}}},
      {"items",
       {{"page_id", "INTEGER"},
        {"url", "TEXT"},
        {"kind", "TEXT"},
        {"position", "INTEGER"},
        {"name", "TEXT"},
        {"detail", "TEXT"}}},
  };
  return tables;
}

std::string PublishedDate(const std::string& published) {
  if (published.size() < 10) return "";
  for (size_t i = 0; i < 10; ++i) {
    const bool dash = i == 4 || i == 7;
    const unsigned char c = static_cast<unsigned char>(published[i]);
    if (dash ? c != '-' : !std::isdigit(c)) return "";
  }
  if (published.size() > 10 && std::isdigit(static_cast<unsigned char>(published[10]))) return "";
  return published.substr(0, 10);
}

bool FlattenRecord(const Json& record, int64_t page_id, RecordRows* rows, std::string* error) {
  if (!record.is_object()) {
    *error = "not a record: a JSON " + std::string(record.type_name()) + ", not an object";
    return false;
  }
  const Json& url = Member(record, "url");
  if (!url.is_string() || url.get<std::string>().empty()) {
    *error = "not a record: no \"url\" string";
    return false;
  }
  Json extra = Json::object();
  for (const auto& [key, value] : record.items()) {
    if (ConsumedKeys().count(key) == 0) extra[key] = value;
  }
  const Json& disease = Member(record, "disease");
  const Json& answers = Member(record, "answers");
  const std::string warnings = JoinedWarnings(Member(record, "warnings"));
  Cell published = Text(record, "published");
  Cell date = DateOf(published);
  rows->page = Row{page_id,
                   Text(url),
                   Text(record, "site"),
                   Text(record, "page_type"),
                   Text(record, "title"),
                   std::move(published),
                   std::move(date),
                   Integer(record, "views"),
                   Text(record, "summary"),
                   Text(record, "question"),
                   Text(disease, "name"),
                   Text(disease, "description"),
                   Text(record, "fetched_at"),
                   Text(record, "change"),
                   Integer(Member(record, "http"), "status"),
                   Text(record, "content_sha256"),
                   Integer(Member(record, "extractor"), "version"),
                   warnings.empty() ? Cell{} : Cell{warnings},
                   answers.is_array() ? Cell{static_cast<int64_t>(answers.size())} : Cell{},
                   extra.empty() ? Cell{} : Text(extra)};
  rows->answers.clear();
  rows->items.clear();
  AddAnswers(record, page_id, &rows->answers);
  AddItems(record, page_id, "causes", "cause", &rows->items);
  AddItems(record, page_id, "advice", "advice", &rows->items);
  return true;
}

}  // namespace medscrape
