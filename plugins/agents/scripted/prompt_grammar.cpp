#include "prompt_grammar.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <regex>

namespace folio_scripted {
namespace {

using match = std::smatch;

std::regex pattern(const std::string& text) {
  return std::regex(text, std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char each) { return static_cast<char>(std::tolower(each)); });
  return text;
}

// Names may be quoted ("Q3 Sales") or bare (Summary); quotes are not part of them.
std::string unquote(const std::string& text) {
  auto trimmed = trim(text);
  if (trimmed.size() >= 2 && (trimmed.front() == '"' || trimmed.front() == '\'') && trimmed.back() == trimmed.front()) {
    return trimmed.substr(1, trimmed.size() - 2);
  }
  return trimmed;
}

// Politeness and sequencing words carry no instruction: "Now please add …" is "add …".
std::string normalise(std::string text) {
  text = trim(text);
  while (!text.empty() && (text.back() == '.' || text.back() == '!')) {
    text.pop_back();
  }
  static const auto filler = pattern(R"(^(?:(?:now|please|also|and|next|finally|ok|okay|then),?\s+)+)");
  text = std::regex_replace(text, filler, "");
  static const auto spaces = pattern(R"(\s+)");
  return trim(std::regex_replace(text, spaces, " "));
}

int quarter_number(const std::string& text) {
  const auto word = lower(text);
  if (word == "first") {
    return 1;
  }
  if (word == "second") {
    return 2;
  }
  if (word == "third") {
    return 3;
  }
  if (word == "fourth") {
    return 4;
  }
  return word.back() - '0';
}

// "North, South and East" → {"North", "South", "East"}.
std::vector<std::string> split_list(const std::string& text) {
  static const auto separator = pattern(R"(\s*(?:,\s*and\s+|,\s*|\s+and\s+|\s*&\s*)\s*)");
  std::vector<std::string> items;
  for (std::sregex_token_iterator each(text.begin(), text.end(), separator, -1), end; each != end; ++each) {
    if (auto item = unquote(*each); !item.empty()) {
      items.push_back(item);
    }
  }
  return items;
}

// Cell values separated by commas, except commas inside a formula's parentheses or quotes.
std::vector<std::string> split_values(const std::string& text) {
  std::vector<std::string> values;
  std::string current;
  int depth = 0;
  bool quoted = false;
  for (const char each : text) {
    if (each == '"') {
      quoted = !quoted;
    } else if (!quoted && each == '(') {
      ++depth;
    } else if (!quoted && each == ')') {
      --depth;
    }
    if (each == ',' && depth == 0 && !quoted) {
      values.push_back(unquote(current));
      current.clear();
    } else {
      current += each;
    }
  }
  values.push_back(unquote(current));
  return values;
}

std::optional<int> optional_int(const std::ssub_match& group) {
  if (!group.matched) {
    return std::nullopt;
  }
  return std::stoi(group.str());
}

std::optional<std::string> optional_text(const std::ssub_match& group) {
  if (!group.matched || trim(group.str()).empty()) {
    return std::nullopt;
  }
  return unquote(group.str());
}

chart_kind parse_chart_kind(const std::string& text) {
  const auto word = lower(text);
  if (word == "bar") {
    return chart_kind::bar;
  }
  if (word == "line") {
    return chart_kind::line;
  }
  if (word == "pie") {
    return chart_kind::pie;
  }
  return chart_kind::column;
}

struct form {
  std::regex matcher;
  std::function<request(const match&)> make;
};

// Pieces shared by the forms' patterns, built on first use (a throwing initializer at load time could not be caught).
const std::string& make_verb() {
  static const std::string text =
      R"((?:create|build|make|generate|prepare|write|draft|produce|give me)\s+(?:me\s+)?(?:a|an|the|my)?\s*)";
  return text;
}
const std::string& quarter_words() {
  static const std::string text =
      R"((q[1-4]|quarter\s+[1-4]|first\s+quarter|second\s+quarter|third\s+quarter|fourth\s+quarter))";
  return text;
}
const std::string& a_name() {
  static const std::string text = R"(("[^"]+"|'[^']+'|.+?))";
  return text;
}
const std::string& cell_range() {
  static const std::string text = R"(([A-Z]{1,3}[0-9]+(?::[A-Z]{1,3}[0-9]+)?))";
  return text;
}

int quarter_of(const std::string& text) {
  const auto word = lower(text);
  if (word.starts_with("q") || word.starts_with("quarter ")) {
    return word.back() - '0';
  }
  return quarter_number(word.substr(0, word.find(' ')));
}

std::vector<form> chart_forms() {
  std::vector<form> forms;
  // "add a pie chart of Sales!A1:B5 titled "Revenue mix"", "add a line chart to slide 3 titled Trend".
  forms.push_back({pattern("^add\\s+(?:a|an)\\s+(column|bar|line|pie)\\s+chart"
                           "(?:\\s+(?:of|from|for)\\s+(?:(?:sheet\\s+)?" +
                           a_name() + "!)?" + cell_range() +
                           ")?"
                           "(?:\\s+(?:of|from|for)\\s+(?:the\\s+)?" +
                           a_name() +
                           "\\s+table)?"
                           "(?:\\s+(?:to|on|in|into)\\s+(?:the\\s+)?" +
                           a_name() +
                           ")?"
                           "(?:\\s+(?:titled|called|named|with\\s+(?:the\\s+)?title)\\s+" +
                           a_name() + ")?$"),
                   [](const match& found) -> request {
                     add_chart_request made;
                     made.kind = parse_chart_kind(found[1]);
                     made.sheet = optional_text(found[2]);
                     if (found[3].matched) {
                       made.range = found[3].str();
                     } else if (found[4].matched) {
                       made.range = unquote(found[4]);
                     }
                     made.target = optional_text(found[5]);
                     made.title = optional_text(found[6]);
                     return made;
                   }});
  // "move the revenue chart to the executive summary", "move chart "Sales by region" to sheet Summary".
  forms.push_back({pattern("^move\\s+(?:the\\s+)?(?:" + a_name() +
                           "\\s+)?chart\\s+to\\s+(?:the\\s+)?"
                           "(?:sheet\\s+|section\\s+|slide\\s+|tab\\s+)?" +
                           a_name() + "(?:\\s+(?:sheet|section|slide|tab))?$"),
                   [](const match& found) -> request {
                     return move_chart_request{optional_text(found[1]), unquote(found[2])};
                   }});
  return forms;
}

std::vector<form> spreadsheet_forms() {
  std::vector<form> forms;
  forms.push_back({pattern("^" + make_verb() + "(?:(20[0-9]{2})\\s+)?" + quarter_words() +
                           "\\s+(?:(20[0-9]{2})\\s+)?"
                           "sales\\s+report(?:\\s+(?:for|of)\\s+(20[0-9]{2}))?"
                           "(?:\\s+(?:for|with|covering|by)\\s+(?:the\\s+)?(?:regions?\\s+)?(.+?))?$"),
                   [](const match& found) -> request {
                     sales_report_request made;
                     made.quarter = quarter_of(found[2]);
                     made.year = optional_int(found[1]);
                     if (!made.year) {
                       made.year = optional_int(found[3]);
                     }
                     if (!made.year) {
                       made.year = optional_int(found[4]);
                     }
                     if (found[5].matched) {
                       made.regions = split_list(found[5]);
                     }
                     return made;
                   }});
  forms.push_back({pattern("^(?:add|create|build|make)\\s+(?:a|an|the)?\\s*forecast\\s+(?:tab|sheet|worksheet)"
                           "\\s+for\\s+(FY\\s?[0-9]{2,4})"
                           "(?:\\s+(?:with|at|assuming)\\s+([0-9]+(?:\\.[0-9]+)?)\\s*%\\s*(?:annual\\s+)?growth)?$"),
                   [](const match& found) -> request {
                     forecast_request made;
                     auto year = found[1].str();
                     year.erase(std::remove(year.begin(), year.end(), ' '), year.end());
                     std::transform(year.begin(), year.end(), year.begin(),
                                    [](unsigned char each) { return static_cast<char>(std::toupper(each)); });
                     made.fiscal_year = year;
                     if (found[2].matched) {
                       made.growth = std::stod(found[2]) / 100.0;
                     }
                     return made;
                   }});
  forms.push_back({pattern("^" + make_verb() + "(?:3|three)[- ]statement\\s+(?:financial\\s+)?model(?:\\s+for\\s+" +
                           a_name() + ")?$"),
                   [](const match& found) -> request { return financial_model_request{optional_text(found[1])}; }});
  forms.push_back({pattern("^" + make_verb() + "(?:(.+?)\\s+)?budget(?:\\s+for\\s+" + a_name() + ")?$"),
                   [](const match& found) -> request {
                     auto subject = optional_text(found[2]);
                     return budget_request{subject ? subject : optional_text(found[1])};
                   }});
  forms.push_back(
      {pattern("^add\\s+(?:a\\s+)?(?:new\\s+)?(?:sheet|tab|worksheet)\\s+(?:named\\s+|called\\s+)?" + a_name() + "$"),
       [](const match& found) -> request { return add_sheet_request{unquote(found[1])}; }});
  forms.push_back(
      {pattern("^rename\\s+(?:the\\s+)?(?:sheet|tab|worksheet)\\s+" + a_name() + "\\s+to\\s+" + a_name() + "$"),
       [](const match& found) -> request {
         return rename_sheet_request{unquote(found[1]), unquote(found[2])};
       }});
  forms.push_back({pattern("^(?:delete|remove)\\s+(?:the\\s+)?(?:sheet|tab|worksheet)\\s+" + a_name() + "$"),
                   [](const match& found) -> request { return delete_sheet_request{unquote(found[1])}; }});
  forms.push_back({pattern("^set\\s+(?:(?:sheet\\s+)?(\"[^\"]+\"|'[^']+'|[^!\\s]+)!)?" + cell_range() +
                           "(?:\\s+(?:on|in)\\s+(?:sheet\\s+)?" + a_name() + ")?\\s+to\\s+(.+)$"),
                   [](const match& found) -> request {
                     set_cells_request made;
                     made.sheet = optional_text(found[1]);
                     if (!made.sheet) {
                       made.sheet = optional_text(found[3]);
                     }
                     made.range = found[2].str();
                     std::transform(made.range.begin(), made.range.end(), made.range.begin(),
                                    [](unsigned char each) { return static_cast<char>(std::toupper(each)); });
                     made.values = split_values(found[4]);
                     return made;
                   }});
  auto charts = chart_forms();
  forms.insert(forms.end(), charts.begin(), charts.end());
  return forms;
}

std::vector<form> text_forms() {
  std::vector<form> forms;
  forms.push_back({pattern("^" + make_verb() + "(?:project\\s+)?proposal\\s+(?:for|about|on)\\s+" + a_name() + "$"),
                   [](const match& found) -> request { return proposal_request{unquote(found[1])}; }});
  forms.push_back({pattern("^" + make_verb() +
                           "(?:(q[1-4])\\s+)?(?:(20[0-9]{2})\\s+)?(?:quarterly\\s+business\\s+review|qbr)"
                           "(?:\\s+for\\s+(q[1-4])(?:\\s+(20[0-9]{2}))?)?$"),
                   [](const match& found) -> request {
                     business_review_request made;
                     const auto quarter = found[1].matched ? found[1] : found[3];
                     if (quarter.matched) {
                       made.quarter = quarter.str().back() - '0';
                     }
                     made.year = optional_int(found[2]);
                     if (!made.year) {
                       made.year = optional_int(found[4]);
                     }
                     return made;
                   }});
  forms.push_back({pattern("^" + make_verb() + "report\\s+(?:on|about)\\s+" + a_name() +
                           "(?:\\s+with\\s+an?\\s+executive\\s+summary)?$"),
                   [](const match& found) -> request { return report_request{unquote(found[1])}; }});
  forms.push_back(
      {pattern("^add\\s+(?:a\\s+)?(?:new\\s+)?section\\s+(?:called\\s+|titled\\s+|named\\s+|about\\s+|on\\s+)?" +
               a_name() + "(?:\\s+(?:saying|with\\s+the\\s+text|with\\s+text)\\s+" + a_name() + ")?$"),
       [](const match& found) -> request {
         return add_section_request{unquote(found[1]), optional_text(found[2])};
       }});
  forms.push_back({pattern("^add\\s+(?:a\\s+)?table(?:\\s+(?:of|with|about|for)\\s+" + a_name() +
                           ")?"
                           "(?:\\s+(?:to|in|under)\\s+(?:the\\s+)?" +
                           a_name() + "(?:\\s+section)?)?$"),
                   [](const match& found) -> request {
                     return add_table_request{optional_text(found[2]), optional_text(found[1])};
                   }});
  forms.push_back({pattern("^move\\s+(?:the\\s+)?" + a_name() + "\\s+section\\s+(?:after|below|under)\\s+(?:the\\s+)?" +
                           a_name() + "(?:\\s+section)?$"),
                   [](const match& found) -> request {
                     return move_section_request{unquote(found[1]), unquote(found[2])};
                   }});
  forms.push_back({pattern("^move\\s+(?:the\\s+)?" + a_name() + "\\s+section\\s+to\\s+the\\s+end$"),
                   [](const match& found) -> request {
                     return move_section_request{unquote(found[1]), ""};
                   }});
  auto charts = chart_forms();
  forms.insert(forms.end(), charts.begin(), charts.end());
  return forms;
}

std::vector<form> presentation_forms() {
  std::vector<form> forms;
  forms.push_back({pattern("^" + make_verb() + "(?:investor\\s+)?pitch\\s+deck(?:\\s+for\\s+" + a_name() + ")?$"),
                   [](const match& found) -> request { return pitch_deck_request{optional_text(found[1])}; }});
  forms.push_back({pattern("^" + make_verb() +
                           "(?:(q[1-4])\\s+)?(?:(20[0-9]{2})\\s+)?quarterly\\s+review\\s+"
                           "(?:deck|presentation)(?:\\s+for\\s+(q[1-4])(?:\\s+(20[0-9]{2}))?)?$"),
                   [](const match& found) -> request {
                     review_deck_request made;
                     const auto quarter = found[1].matched ? found[1] : found[3];
                     if (quarter.matched) {
                       made.quarter = quarter.str().back() - '0';
                     }
                     made.year = optional_int(found[2]);
                     if (!made.year) {
                       made.year = optional_int(found[4]);
                     }
                     return made;
                   }});
  forms.push_back(
      {pattern("^add\\s+(?:a\\s+)?(?:new\\s+)?slide\\s+(?:about|on|for|titled|called)\\s+" + a_name() + "$"),
       [](const match& found) -> request { return add_slide_request{unquote(found[1])}; }});
  auto charts = chart_forms();
  forms.insert(forms.end(), charts.begin(), charts.end());
  return forms;
}

const std::vector<form>& forms_for(folio::document_format format) {
  static const auto spreadsheet = spreadsheet_forms();
  static const auto text = text_forms();
  static const auto presentation = presentation_forms();
  switch (format) {
  case folio::document_format::excel: return spreadsheet;
  case folio::document_format::word: return text;
  case folio::document_format::powerpoint: return presentation;
  }
  return spreadsheet;
}

// "add a sheet Notes; then rename sheet Notes to Memo" → two instructions.
std::vector<std::string> instructions(const std::string& prompt) {
  static const auto separator = pattern(R"(\s*(?:;|\.\s+|,?\s+and\s+then\s+|,?\s+then\s+)\s*)");
  std::vector<std::string> parts;
  for (std::sregex_token_iterator each(prompt.begin(), prompt.end(), separator, -1), end; each != end; ++each) {
    if (auto part = normalise(*each); !part.empty()) {
      parts.push_back(part);
    }
  }
  return parts;
}

} // namespace

std::string to_string(chart_kind kind) {
  switch (kind) {
  case chart_kind::column: return "column";
  case chart_kind::bar: return "bar";
  case chart_kind::line: return "line";
  case chart_kind::pie: return "pie";
  }
  return "column";
}

folio::result<std::vector<request>> parse_prompt(folio::document_format format, const std::string& prompt) {
  std::vector<request> requests;
  for (const auto& instruction : instructions(prompt)) {
    bool understood = false;
    for (const auto& each : forms_for(format)) {
      match found;
      if (std::regex_match(instruction, found, each.matcher)) {
        requests.push_back(each.make(found));
        understood = true;
        break;
      }
    }
    if (!understood) {
      std::string forms;
      for (const auto& example : supported_forms(format)) {
        forms += "\n- " + example;
      }
      return folio::fail(folio::errc::prompt_not_understood,
                         "the scripted agent does not understand \"" + instruction + "\" for a " +
                             std::string(folio::to_string(format)) + " document; it understands:" + forms,
                         "prompt");
    }
  }
  if (requests.empty()) {
    return folio::fail(folio::errc::prompt_not_understood, "the prompt has no instruction", "prompt");
  }
  return requests;
}

std::vector<std::string> supported_forms(folio::document_format format) {
  switch (format) {
  case folio::document_format::excel:
    return {"Create a Q3 sales report [for 2026] [for the regions North, South and East]",
            "Add a forecast tab for FY26 [with 8% growth]",
            "Build a 3-statement financial model [for Acme]",
            "Create a [marketing] budget",
            "Add a sheet named Notes",
            "Rename sheet Notes to Memo",
            "Delete sheet Memo",
            "Set Sales!B2:D2 to 10, 20, =B2+C2",
            "Add a pie chart of Sales!A1:B5 titled \"Revenue mix\"",
            "Move the revenue chart to sheet Summary"};
  case folio::document_format::word:
    return {"Write a project proposal for a new data platform",
            "Create a quarterly business review [for Q3 2026]",
            "Write a report on customer churn with an executive summary",
            "Add a section called Risks [saying \"…\"]",
            "Add a table of milestones to the Timeline section",
            "Add a bar chart of the Budget table [to the Summary section] [titled \"…\"]",
            "Move the revenue chart to the executive summary",
            "Move the Risks section after the Timeline section"};
  case folio::document_format::powerpoint:
    return {"Create a pitch deck [for Acme]", "Create a quarterly review deck [for Q3 2026]",
            "Add a slide about hiring plans", "Add a column chart to slide 3 [titled \"…\"]",
            "Move the revenue chart to slide 2"};
  }
  return {};
}

} // namespace folio_scripted
