// 120ask.com (快速问医生), UTF-8. Question pages /question/<id>.htm, also
// /question/<slug>/<id>.htm. The site shows no view count. See SITES.md.
#include "extractors/sites.h"

namespace medscrape {
namespace {

PageTypeSpec Question() {
  PageTypeSpec spec;
  spec.name = "question";
  spec.path_pattern = R"(/question/(?:[^/?#]+/)?\d+\.htm)";
  spec.detect_selector = "h1#d_askH1";
  spec.keys = {"title", "published", "views", "question", "answers"};
  spec.fields = {
      {"title", "h1#d_askH1", FieldType::kText, 0, "", "", "", true},
      // The spans hold sex/age, region, time and reply count; the date is the time.
      {"published", "div.b_askab1", FieldType::kDate, 0, "", "", "", true},
      // The leading label is page chrome, not part of the question.
      {"question", "#d_msCon p", FieldType::kText, 0, "", R"((?s)^(?:健康咨询描述[:：]\s*)?(.+)$)",
       "", true},
      {"question", "#d_msCon", FieldType::kText, 0, "", R"((?s)^(?:健康咨询描述[:：]\s*)?(.+)$)"},
  };
  GroupRule answers;
  answers.key = "answers";
  answers.item_selector = "div.b_answerli";
  answers.keys = kDoctorKeys;
  answers.keys.insert(answers.keys.end(), {"text", "published"});
  answers.fields = {
      // Linked doctors have an <a>, others a <var>; the job title is bare text beside it.
      {"doctor.name", "span.b_sp1 a, span.b_sp1 var", FieldType::kText, 0, "", "", "", true},
      {"doctor.title", "span.b_sp1", FieldType::kOwnText},
      {"text", "div.b_anscont_cont p", FieldType::kJoined, 0, "", "", "", true},
      {"text", "div.b_anscont_cont"},
      {"published", "span.b_anscont_time", FieldType::kDate, 0, "", "", "", true},
  };
  spec.groups = {std::move(answers)};
  return spec;
}

}  // namespace

SiteSpec Ask120Site() {
  SiteSpec site;
  site.name = "120ask.com";
  site.host_pattern = R"((?:www\.|m\.)?120ask\.com)";
  site.hub_paths = {R"(/list/[^/?#]+/(?:all/\d+)?$)"};  // /list/<dept>/ and /list/<dept>/all/<page>
  site.version = 1;
  site.utc_offset = kChinaOffset;
  site.page_types = {Question()};
  return site;
}

}  // namespace medscrape
