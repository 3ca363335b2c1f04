#include "output/record_tables.h"

#include <simdjson.h>

#include <cctype>
#include <cstdio>
#include <optional>
#include <set>
#include <utility>

namespace medscrape {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

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

using Maybe = std::optional<element>;

// Member `key` of `value` when that is an object holding it.
Maybe Member(const Maybe& value, std::string_view key) {
  object members;
  element member;
  if (!value || value->get_object().get(members) != simdjson::SUCCESS ||
      members.at_key(key).get(member) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return member;
}

// A text column: strings as they are, other scalars and structures as JSON, null as NULL.
Cell Text(const element& value) {
  switch (value.type()) {
    case element_type::NULL_VALUE:
      return std::monostate{};
    case element_type::STRING:
      return std::string(value.get_string().value_unsafe());
    default:
      return simdjson::minify(value);
  }
}

Cell Text(const Maybe& object, std::string_view key) {
  const Maybe value = Member(object, key);
  return value ? Text(*value) : Cell{};
}

// An integer column: integers as they are; anything else (null, text, a fraction) NULL.
Cell Integer(const Maybe& object, std::string_view key) {
  const Maybe value = Member(object, key);
  int64_t number = 0;
  if (!value || !value->is_int64() || value->get_int64().get(number) != simdjson::SUCCESS) {
    return std::monostate{};
  }
  return number;
}

// The array member `key`, if there is one.
std::optional<simdjson::dom::array> ArrayMember(const Maybe& object, std::string_view key) {
  const Maybe value = Member(object, key);
  simdjson::dom::array list;
  if (!value || value->get_array().get(list) != simdjson::SUCCESS) return std::nullopt;
  return list;
}

Cell DateOf(const Cell& published) {
  const std::string* text = std::get_if<std::string>(&published);
  if (text == nullptr) return std::monostate{};
  std::string date = PublishedDate(*text);
  return date.empty() ? Cell{} : Cell{std::move(date)};
}

// `text` as a JSON string literal.
void AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
      out->append(escaped);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

Cell JoinedWarnings(const Maybe& record) {
  const std::optional<simdjson::dom::array> list = ArrayMember(record, "warnings");
  if (!list) return std::monostate{};
  std::string joined;
  for (const element warning : *list) {
    if (!joined.empty()) joined += "; ";
    const Cell text = Text(warning);
    if (const auto* s = std::get_if<std::string>(&text)) joined += *s;
  }
  return joined.empty() ? Cell{} : Cell{std::move(joined)};
}

// The keys no column holds, as one JSON object; NULL when there are none.
Cell Extra(const element& record) {
  std::string extra;
  object members;
  if (record.get_object().get(members) != simdjson::SUCCESS) return std::monostate{};
  for (const auto field : members) {
    if (ConsumedKeys().count(field.key) != 0) continue;
    extra += extra.empty() ? "{" : ",";
    AppendJsonString(field.key, &extra);
    extra += ':';
    extra += simdjson::minify(field.value);
  }
  if (extra.empty()) return std::monostate{};
  return extra + "}";
}

void AddAnswers(const Maybe& record, int64_t page_id, std::vector<Row>* rows) {
  const std::optional<simdjson::dom::array> list = ArrayMember(record, "answers");
  if (!list) return;
  const Cell page_type = Text(record, "page_type");
  const auto* type = std::get_if<std::string>(&page_type);
  const bool excerpt = type != nullptr && *type == "article";
  const Cell url = Text(record, "url");
  int64_t position = 0;
  for (const element item : *list) {
    const Maybe answer = item;
    const Maybe doctor = Member(answer, "doctor");
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

void AddItems(const Maybe& record, int64_t page_id, const char* key, const char* kind,
              std::vector<Row>* rows) {
  const std::optional<simdjson::dom::array> list = ArrayMember(record, key);
  if (!list) return;
  const Cell url = Text(record, "url");
  int64_t position = 0;
  for (const element value : *list) {
    const Maybe item = value;
    rows->push_back(
        Row{page_id, url, std::string(kind), ++position, Text(item, "name"), Text(item, "detail")});
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

struct RecordReader::Impl {
  simdjson::dom::parser parser;
  element value;
  bool parsed = false;
};

RecordReader::RecordReader() : impl_(std::make_unique<Impl>()) {}
RecordReader::~RecordReader() = default;

bool RecordReader::Parse(std::string_view line, std::string* error) {
  const simdjson::error_code code = impl_->parser.parse(line.data(), line.size()).get(impl_->value);
  impl_->parsed = code == simdjson::SUCCESS;
  if (!impl_->parsed) *error = std::string("not JSON: ") + simdjson::error_message(code);
  return impl_->parsed;
}

std::string_view RecordReader::String(const char* key) const {
  const Maybe value = impl_->parsed ? Member(impl_->value, key) : std::nullopt;
  std::string_view text;
  if (!value || value->get_string().get(text) != simdjson::SUCCESS) return {};
  return text;
}

bool RecordReader::Flatten(int64_t page_id, RecordRows* rows, std::string* error) const {
  const element& record = impl_->value;
  if (!impl_->parsed || !record.is_object()) {
    *error = "not a record: a JSON value that is not an object";
    return false;
  }
  if (String("url").empty()) {
    *error = "not a record: no \"url\" string";
    return false;
  }
  const Maybe maybe = record;
  const Maybe disease = Member(maybe, "disease"), http = Member(maybe, "http"),
              extractor = Member(maybe, "extractor");
  const std::optional<simdjson::dom::array> answer_list = ArrayMember(maybe, "answers");
  Cell published = Text(maybe, "published");
  Cell date = DateOf(published);
  rows->page = Row{page_id,
                   Text(maybe, "url"),
                   Text(maybe, "site"),
                   Text(maybe, "page_type"),
                   Text(maybe, "title"),
                   std::move(published),
                   std::move(date),
                   Integer(maybe, "views"),
                   Text(maybe, "summary"),
                   Text(maybe, "question"),
                   Text(disease, "name"),
                   Text(disease, "description"),
                   Text(maybe, "fetched_at"),
                   Text(maybe, "change"),
                   Integer(http, "status"),
                   Text(maybe, "content_sha256"),
                   Integer(extractor, "version"),
                   JoinedWarnings(maybe),
                   answer_list ? Cell{static_cast<int64_t>(answer_list->size())} : Cell{},
                   Extra(record)};
  rows->answers.clear();
  rows->items.clear();
  AddAnswers(maybe, page_id, &rows->answers);
  AddItems(maybe, page_id, "causes", "cause", &rows->items);
  AddItems(maybe, page_id, "advice", "advice", &rows->items);
  return true;
}

}  // namespace medscrape
