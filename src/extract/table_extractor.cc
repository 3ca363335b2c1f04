#include "extract/table_extractor.h"

#include <algorithm>
#include <optional>

#include "base/space.h"
#include "extract/normalize.h"
#include "url/url.h"

namespace medscrape {
namespace {

std::optional<std::string> ReadString(const CompiledField& field, Node match) {
  const FieldRule& rule = *field.rule;
  std::string text;
  if (!rule.attr.empty()) {
    std::optional<std::string_view> value = match.Attr(rule.attr);
    if (!value) return std::nullopt;
    text = CollapseWhitespace(*value);
  } else {
    text = rule.type == FieldType::kOwnText ? match.OwnText() : match.Text();
  }
  if (field.pattern) {
    re2::StringPiece group;
    const bool has_group = field.pattern->NumberOfCapturingGroups() > 0;
    re2::StringPiece input(text);
    if (has_group ? !RE2::PartialMatch(input, *field.pattern, &group)
                  : !RE2::PartialMatch(input, *field.pattern)) {
      return std::nullopt;
    }
    if (has_group) text = CollapseWhitespace(std::string_view(group.data(), group.size()));
  }
  if (text.empty()) return std::nullopt;
  return text;
}

// `note` gets what the value lost on the way, for the record's warnings.
Json Convert(const FieldRule& rule, std::string text, const PageContext& page, std::string* note) {
  switch (rule.type) {
    case FieldType::kCount: {
      std::optional<int64_t> count =
          rule.unit.empty() ? NormalizeCount(text) : NormalizeCountWithUnit(text, rule.unit);
      return count ? Json(*count) : Json(nullptr);
    }
    case FieldType::kDate: {
      bool time_dropped = false;
      std::optional<std::string> date = NormalizeDate(text, page.utc_offset(), &time_dropped);
      if (!date) return nullptr;
      if (time_dropped) *note = "no valid time in '" + text + "': kept the date";
      // A time without a known zone is not an instant: keep the date only.
      if (page.utc_offset().empty()) date->resize(std::min<size_t>(date->size(), 10));
      return *date;
    }
    case FieldType::kUrl: {
      std::optional<std::string> url = ResolveHttpUrl(page.url(), text);
      return url ? Json(*url) : Json(nullptr);
    }
    case FieldType::kLabel: {
      std::string label = TrimLabelColon(text);
      return label.empty() ? Json(nullptr) : Json(std::move(label));
    }
    default:
      return Json(std::move(text));
  }
}

Json ReadJoined(const CompiledField& field, Node scope) {
  std::string joined;
  for (Node match : field.selector.Select(scope)) {
    std::string text = match.Text();
    if (text.empty()) continue;
    if (!joined.empty()) joined.push_back('\n');
    joined += text;
  }
  return joined.empty() ? Json(nullptr) : Json(std::move(joined));
}

// kAfter: the scope's text after the label's (a leading colon and white space dropped).
std::optional<std::string> TextAfter(Node scope, Node label) {
  const std::string text = scope.Text();
  const std::string label_text = label.Text();
  std::string detail =
      text.compare(0, label_text.size(), label_text) == 0 ? text.substr(label_text.size()) : text;
  // The colon may sit outside the label: "<strong>病因</strong>：出汗".
  if (std::optional<LabelDetail> split = SplitLabel(detail); split && split->label.empty()) {
    detail = split->detail;
  }
  detail = CollapseWhitespace(detail);
  if (detail.empty()) return std::nullopt;
  return detail;
}

Json ReadField(const CompiledField& field, Node scope, const PageContext& page, std::string* note) {
  const FieldRule& rule = *field.rule;
  if (rule.type == FieldType::kJoined) return ReadJoined(field, scope);
  Node match = scope;
  if (!rule.selector.empty()) {
    if (rule.index == 0) {
      match = field.selector.SelectFirst(scope);
    } else {
      std::vector<Node> matches = field.selector.Select(scope);
      match = static_cast<size_t>(rule.index) < matches.size() ? matches[rule.index] : Node();
    }
  }
  if (!match.valid()) return nullptr;
  std::optional<std::string> text =
      rule.type == FieldType::kAfter ? TextAfter(scope, match) : ReadString(field, match);
  if (!text) return nullptr;
  return Convert(rule, std::move(*text), page, note);
}

// The slot for a dotted key ("doctor.name") inside `object`, creating parents.
Json& Slot(Json& object, const std::string& dotted) {
  Json* current = &object;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    Json& child = (*current)[dotted.substr(start, dot - start)];
    if (dot == std::string::npos) return child;
    if (!child.is_object()) child = Json::object();
    current = &child;
    start = dot + 1;
  }
}

// Fills `object` from `fields`; a key filled by an earlier rule is kept.
void FillFields(const std::vector<CompiledField>& fields, Node scope, const PageContext& page,
                const std::string& prefix, Json& object, std::vector<std::string>& warnings) {
  for (const CompiledField& field : fields) {
    Json& slot = Slot(object, field.rule->key);
    if (!slot.is_null()) continue;
    std::string note;
    slot = ReadField(field, scope, page, &note);
    if (!slot.is_null() && !note.empty())
      warnings.push_back(prefix + field.rule->key + ": " + note);
  }
  for (const CompiledField& field : fields) {
    if (field.rule->expected && Slot(object, field.rule->key).is_null()) {
      const std::string warning = prefix + field.rule->key + ": not found";
      if (warnings.empty() || warnings.back() != warning) warnings.push_back(warning);
    }
  }
}

bool HasAnyValue(const Json& value) {
  if (value.is_object() || value.is_array()) {
    for (const Json& child : value) {
      if (HasAnyValue(child)) return true;
    }
    return false;
  }
  return !value.is_null();
}

Json ExtractItem(const CompiledGroup& group, Node item, const PageContext& page,
                 const std::string& prefix, std::vector<std::string>& warnings) {
  Json object = Json::object();
  for (const std::string& key : group.rule->keys) Slot(object, key) = nullptr;
  FillFields(group.fields, item, page, prefix, object, warnings);
  return object;
}

Json ExtractGroup(const CompiledGroup& group, const PageContext& page,
                  std::vector<std::string>& warnings) {
  Json list = Json::array();
  for (Node item : group.item_selector.Select(page.root())) {
    if (group.require_selector && !group.require_selector->SelectFirst(item).valid()) continue;
    if (!group.when.Holds(item, true) || group.unless.Holds(item, false)) continue;
    const std::string prefix = group.rule->key + "[" + std::to_string(list.size()) + "].";
    std::vector<std::string> item_warnings;
    Json object = ExtractItem(group, item, page, prefix, item_warnings);
    // An item with nothing in it is not an item: an empty template, or the
    // last one of a page cut off in the middle of it.
    if (!HasAnyValue(object)) continue;
    warnings.insert(warnings.end(), item_warnings.begin(), item_warnings.end());
    list.push_back(std::move(object));
    if (!group.rule->is_list) return list.back();
  }
  return group.rule->is_list ? list : Json(nullptr);
}

}  // namespace

void ExtractFields(const CompiledPageType& page_type, const PageContext& page, Json& record,
                   std::vector<std::string>& warnings) {
  for (const std::string& key : page_type.spec->keys) record[key] = nullptr;
  FillFields(page_type.fields, page.root(), page, "", record, warnings);
  for (const CompiledGroup& group : page_type.groups) {
    record[group.rule->key] = ExtractGroup(group, page, warnings);
  }
}

std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  size_t i = 0;
  while (i < text.size()) {
    const size_t space = SpaceLength(text.substr(i));
    if (space > 0) {
      pending_space = !out.empty();
      i += space;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(text[i++]);
  }
  return out;
}

}  // namespace medscrape
