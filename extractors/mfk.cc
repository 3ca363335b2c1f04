// mfk.com (民福康), UTF-8. Article pages /jingxuan/<id>.shtml and Q&A pages
// /ask/<id>.shtml; m. and mip. mirrors share the markup. See SITES.md.
#include "extract/normalize.h"
#include "extract/table_extractor.h"
#include "extractors/sites.h"
#include "html/selector.h"

namespace medscrape {
namespace {


// Each `<p><strong>label:</strong>detail</p>` of the article body is a cause,
// or advice when the label ends in 建议. The summary and disclaimer are not items.
void SplitCausesAndAdvice(const PageContext& page, Json& record) {
  static const Selector kItems("#articleContent p:not(.summary)");
  static const Selector kLabel("strong");
  Json causes = Json::array();
  Json advice = Json::array();
  for (Node paragraph : kItems.Select(page.root())) {
    if (paragraph.HasClass("tipsText")) continue;
    Node label_node = kLabel.SelectFirst(paragraph);
    if (!label_node.valid()) continue;
    const std::string label_text = label_node.Text();
    const std::string label = TrimLabelColon(label_text);
    std::string text = paragraph.Text();
    // The colon may sit outside <strong>; drop the label, then any colon.
    std::string detail = text.compare(0, label_text.size(), label_text) == 0
                             ? text.substr(label_text.size())
                             : text;
    if (std::optional<LabelDetail> split = SplitLabel(detail);
        split && split->label.empty()) {
      detail = split->detail;
    }
    detail = CollapseWhitespace(detail);
    if (label.empty()) continue;
    Json item = {{"name", label}, {"detail", detail}};
    (IsAdviceLabel(label) ? advice : causes).push_back(std::move(item));
  }
  record["causes"] = std::move(causes);
  record["advice"] = std::move(advice);
}

PageTypeSpec Article() {
  PageTypeSpec spec;
  spec.name = "article";
  spec.path_pattern = R"(/jingxuan/\d+\.shtml)";
  spec.detect_selector = "div.articleTop";
  spec.keys = {"title", "published", "views", "summary", "causes", "advice", "disease", "answers"};
  spec.fields = {
      {"title", "div.articleTop > h1", FieldType::kText, 0, "", "", "", true},
      {"title", "div.articleTop h1"},
      {"published", ".articleInfo span.time", FieldType::kDate, 0, "", "", "", true},
      {"published", ".articleInfo", FieldType::kDate},
      {"views", ".articleInfo span.read", FieldType::kCount, 0, "", "", "", true},
      // The spans touch: "…02-289039次浏览"; only the number before 次浏览 counts.
      {"views", ".articleInfo", FieldType::kCount, 0, "", "", "次浏览"},
      {"summary", "#articleContent p.summary", FieldType::kText, 0, "", "", "", true},
  };
  GroupRule disease;
  disease.key = "disease";
  disease.item_selector = "div.diseaseCard";
  disease.is_list = false;
  disease.keys = {"name", "description"};
  disease.fields = {{"name", "dt", FieldType::kText, 0, "", "", "", true},
                    {"description", "dd", FieldType::kText, 0, "", "", "", true}};
  GroupRule answers;
  answers.key = "answers";
  answers.item_selector = "ul.askList li.askItem";
  answers.keys = {"question", "url"};
  answers.keys.insert(answers.keys.end(), kDoctorKeys.begin(), kDoctorKeys.end());
  answers.keys.push_back("text");
  answers.fields = {
      {"question", "h3.askTit", FieldType::kText, 0, "", "", "", true},
      {"question", "a", FieldType::kAttr, 0, "title"},
      {"url", "a[href]", FieldType::kUrl, 0, "href", "", "", true},
      {"doctor.name", "p.docotrP1 b", FieldType::kText, 0, "", "", "", true},
      {"doctor.title", "p.docotrP1 span"},
      {"doctor.hospital", "p.docotrP2 em"},
      {"doctor.hospital_grade", "i.hosLevel"},
      {"text", "div.askTxt", FieldType::kText, 0, "", "", "", true},
  };
  spec.groups = {std::move(disease), std::move(answers)};
  spec.custom_steps = {SplitCausesAndAdvice};
  return spec;
}

PageTypeSpec Question() {
  PageTypeSpec spec;
  spec.name = "question";
  spec.path_pattern = R"(/ask/\d+\.shtml)";
  spec.detect_selector = "div.detailsTop";
  spec.keys = {"title", "published", "views", "question", "answers"};
  spec.fields = {
      {"title", "div.detailsTop > h1", FieldType::kText, 0, "", "", "", true},
      {"title", "div.detailsBox h1"},
      {"published", "div.detailsTop > p", FieldType::kDate, 0, "", "", "", true},
      {"views", "div.detailsTop > p span.viewNum", FieldType::kCount, 0, "", "", "", true},
      {"views", "div.detailsTop > p", FieldType::kCount, 0, "", "", "次浏览"},
      {"question", "div.askDetails_info > div > p", FieldType::kJoined, 0, "", "", "", true},
      {"question", "div.askDetails_info", FieldType::kText},
  };
  GroupRule answers;
  answers.key = "answers";
  answers.item_selector = "div.selectedAskGuo ul > li";
  answers.require_selector = "p.docotrP1";
  answers.keys = kDoctorKeys;
  answers.keys.insert(answers.keys.end(), {"text", "published"});
  answers.fields = {
      {"doctor.name", "p.docotrP1 b", FieldType::kText, 0, "", "", "", true},
      {"doctor.title", "p.docotrP1 span"},
      {"doctor.hospital", "p.docotrP1 em", FieldType::kText, 0},
      {"doctor.hospital_grade", "i.hosLevel"},
      {"doctor.department", "p.docotrP1 em", FieldType::kText, 1},
      {"text", "div.contJsUnfold p", FieldType::kJoined, 0, "", "", "", true},
      {"text", "div.contJsUnfold"},
      {"published", "div.answerTime", FieldType::kDate, 0, "", "", "", true},
  };
  spec.groups = {std::move(answers)};
  return spec;
}

}  // namespace

SiteSpec MfkSite() {
  SiteSpec site;
  site.name = "mfk.com";
  site.host_pattern = R"((?:www\.|m\.|mip\.)?mfk\.com)";
  // Search result pages and the article/Q&A index pages lead to pages.
  site.hub_paths = {R"(/search/\?)", R"(/jingxuan/(?:index_\d+\.shtml)?$)", R"(/ask/(?:index_\d+\.shtml)?$)",
                    R"(/jibing/\d+\.shtml)"};
  site.version = 1;
  site.utc_offset = kChinaOffset;
  site.page_types = {Article(), Question()};
  return site;
}

}  // namespace medscrape
