#include "agent_memory.hpp"

#include <array>
#include <cctype>
#include <vector>

namespace folio_scripted {
namespace {

using nlohmann::json;

constexpr std::string_view sample_note =
    "Figures in this document are samples generated for illustration: replace them with actuals.";

#define FOLIO_SCRIPTED_TRY(expression)                                                                                 \
  if (auto step_result = (expression); !step_result) {                                                                 \
    return step_result.error();                                                                                        \
  }

json at_end() {
  return {{"at", "end"}};
}

json after_heading(const std::string& heading) {
  return {{"after_heading", heading}};
}

// The editor's text document tools, one function each.
class document {
public:
  explicit document(turn_context& turn) : turn_(turn) {}

  folio::result<json> heading(const std::string& text, int level, const json& location) {
    return turn_.call("add_heading", {{"text", text}, {"level", level}, {"location", location}});
  }
  folio::result<json> paragraph(const std::string& text, const json& location) {
    return turn_.call("add_paragraph", {{"text", text}, {"location", location}});
  }
  folio::result<json> bullets(const std::vector<std::string>& items, const json& location, bool numbered = false) {
    return turn_.call("add_bullet_list", {{"items", items}, {"numbered", numbered}, {"location", location}});
  }
  folio::result<json> table(const std::string& name, const json& rows, const json& location) {
    return turn_.call("add_table", {{"name", name}, {"rows", rows}, {"location", location}});
  }
  folio::result<json> chart_from_table(const std::string& name, chart_kind kind, const std::string& title,
                                       const std::string& table, const json& location) {
    return turn_.call("add_chart", {{"name", name},
                                    {"kind", to_string(kind)},
                                    {"title", title},
                                    {"data", {{"table", table}}},
                                    {"location", location}});
  }
  folio::result<json> move_chart(const std::string& name, const json& location) {
    return turn_.call("move_chart", {{"name", name}, {"to", location}});
  }
  folio::result<json> move_section(const std::string& heading, const std::optional<std::string>& after) {
    json arguments{{"heading", heading}};
    arguments["to"] = after ? after_heading(*after) : at_end();
    return turn_.call("move_section", arguments);
  }

private:
  turn_context& turn_;
};

struct section_plan {
  std::string title;
  std::string text;
  std::vector<std::string> items;
  json table = nullptr; // rows, first row the header
  std::string table_name;
  std::optional<chart_kind> chart;
  std::string chart_name;
  std::string chart_title;
};

// Writes a whole document: a title, then each section with its paragraph, list, table and chart, remembering each.
folio::result<void> write_sections(turn_context& turn, const std::string& title,
                                   const std::vector<section_plan>& sections) {
  document text(turn);
  FOLIO_SCRIPTED_TRY(text.heading(title, 1, at_end()));
  remember_container(turn, title, {{"type", "section"}, {"level", 1}});
  for (const auto& section : sections) {
    FOLIO_SCRIPTED_TRY(text.heading(section.title, 2, at_end()));
    remember_container(turn, section.title, {{"type", "section"}, {"level", 2}});
    if (!section.text.empty()) {
      FOLIO_SCRIPTED_TRY(text.paragraph(section.text, at_end()));
    }
    if (!section.items.empty()) {
      FOLIO_SCRIPTED_TRY(text.bullets(section.items, at_end()));
    }
    if (!section.table.is_null()) {
      const auto name = unique_object_name(turn, section.table_name);
      FOLIO_SCRIPTED_TRY(text.table(name, section.table, at_end()));
      memory_objects(turn)[name] = {{"type", "table"},
                                    {"section", section.title},
                                    {"rows", section.table.size()},
                                    {"columns", section.table[0].size()}};
      if (section.chart) {
        const auto chart = unique_object_name(turn, section.chart_name);
        FOLIO_SCRIPTED_TRY(text.chart_from_table(chart, *section.chart, section.chart_title, name, at_end()));
        memory_objects(turn)[chart] = {{"type", "chart"},
                                       {"section", section.title},
                                       {"kind", to_string(*section.chart)},
                                       {"title", section.chart_title},
                                       {"table", name}};
      }
    }
  }
  FOLIO_SCRIPTED_TRY(text.paragraph(std::string(sample_note), at_end()));
  return folio::success();
}

folio::result<std::string> proposal(turn_context& turn, const proposal_request& wanted) {
  const auto& topic = wanted.topic;
  const auto title = "Project proposal: " + topic;
  std::vector<section_plan> sections{
      {"Executive Summary",
       "This proposal sets out a project to deliver " + topic +
           ": what it will achieve, how it will be run, what it will cost and what could go wrong.",
       {},
       nullptr,
       "",
       {},
       "",
       ""},
      {"Background",
       "The need for " + topic + " comes from growing demand and the limits of the current approach.",
       {},
       nullptr,
       "",
       {},
       "",
       ""},
      {"Objectives",
       "",
       {"Deliver " + topic + " within budget", "Reach the first users within two quarters",
        "Measure adoption and satisfaction every month"},
       nullptr,
       "",
       {},
       "",
       ""},
      {"Timeline",
       "The project runs in four phases.",
       {},
       json::array({json::array({"Phase", "Start", "End", "Deliverable"}),
                    json::array({"Discovery", "Month 1", "Month 1", "Requirements"}),
                    json::array({"Design", "Month 2", "Month 3", "Architecture and plan"}),
                    json::array({"Build", "Month 3", "Month 6", "Working release"}),
                    json::array({"Launch", "Month 7", "Month 7", "General availability"})}),
       "timeline_table",
       {},
       "",
       ""},
      {"Budget",
       "The budget by cost item, in USD:",
       {},
       json::array({json::array({"Item", "Cost"}),
                    json::array({"People", sample_figure(topic + "people", 200'000, 400'000)}),
                    json::array({"Infrastructure", sample_figure(topic + "infra", 40'000, 120'000)}),
                    json::array({"Licences", sample_figure(topic + "licences", 10'000, 50'000)}),
                    json::array({"Contingency", sample_figure(topic + "contingency", 20'000, 60'000)})}),
       "budget_table",
       chart_kind::pie,
       "budget_chart",
       "Budget by item"},
      {"Risks",
       "",
       {"Scope growth during design", "Key people unavailable", "Integration delays with other systems"},
       nullptr,
       "",
       {},
       "",
       ""},
      {"Next Steps", "", {"Approve the budget", "Name the project lead", "Start discovery"}, nullptr, "", {}, "", ""},
  };
  FOLIO_SCRIPTED_TRY(write_sections(turn, title, sections));
  turn.memory()["templates"].push_back("proposal");
  return "wrote the project proposal for " + topic + " with 7 sections, a timeline table and the chart 'budget_chart'";
}

folio::result<std::string> business_review(turn_context& turn, const business_review_request& wanted) {
  const auto quarter = wanted.quarter.value_or(1);
  const auto period = "Q" + std::to_string(quarter) + (wanted.year ? " " + std::to_string(*wanted.year) : "");
  constexpr std::array<std::string_view, 12> months{"January",   "February", "March",    "April",
                                                    "May",       "June",     "July",     "August",
                                                    "September", "October",  "November", "December"};
  json revenue = json::array({json::array({"Month", "Revenue", "Target"})});
  for (int month = 0; month < 3; ++month) {
    const auto name =
        std::string(months.at((static_cast<std::size_t>(quarter) - 1) * 3 + static_cast<std::size_t>(month)));
    revenue.push_back({name, sample_figure(period + name, 300'000, 600'000),
                       sample_figure(period + name + "target", 350'000, 500'000)});
  }
  std::vector<section_plan> sections{
      {"Executive Summary",
       "In " + period + " revenue, customers and delivery moved as set out below.",
       {},
       nullptr,
       "",
       {},
       "",
       ""},
      {"Revenue",
       "Revenue by month against target:",
       {},
       revenue,
       "revenue_table",
       chart_kind::column,
       "revenue_chart",
       period + " revenue by month"},
      {"Highlights",
       "",
       {"Largest customer renewed for three years", "Two product releases shipped on time"},
       nullptr,
       "",
       {},
       "",
       ""},
      {"Challenges",
       "",
       {"Longer sales cycles in enterprise deals", "Hiring behind plan in engineering"},
       nullptr,
       "",
       {},
       "",
       ""},
      {"Priorities for Next Quarter",
       "",
       {"Close the enterprise pipeline", "Hire five engineers", "Launch in one new market"},
       nullptr,
       "",
       {},
       "",
       ""},
  };
  FOLIO_SCRIPTED_TRY(write_sections(turn, "Quarterly Business Review " + period, sections));
  turn.memory()["templates"].push_back("business_review");
  return "wrote the " + period + " quarterly business review with the revenue table and the chart 'revenue_chart'";
}

folio::result<std::string> report(turn_context& turn, const report_request& wanted) {
  const auto& topic = wanted.topic;
  json findings = json::array({json::array({"Segment", "Share (%)"})});
  for (const auto* segment : {"Enterprise", "Mid-market", "Small business"}) {
    findings.push_back({segment, sample_figure(topic + segment, 1'000, 5'000) / 100});
  }
  std::vector<section_plan> sections{
      {"Executive Summary",
       "This report examines " + topic + ": what the data shows, why it matters and what we recommend.",
       {},
       nullptr,
       "",
       {},
       "",
       ""},
      {"Background",
       "Why " + topic + " matters now, and the questions this report answers.",
       {},
       nullptr,
       "",
       {},
       "",
       ""},
      {"Findings",
       "What the analysis found, by segment:",
       {"The effect is concentrated in a few segments", "It has grown over the last four quarters"},
       findings,
       "findings_table",
       chart_kind::bar,
       "findings_chart",
       "Share by segment"},
      {"Recommendations",
       "",
       {"Act first where the effect is largest", "Track the measure monthly", "Review the results in two quarters"},
       nullptr,
       "",
       {},
       "",
       ""},
      {"Conclusion",
       "Acting on these recommendations addresses " + topic + " where it matters most.",
       {},
       nullptr,
       "",
       {},
       "",
       ""},
  };
  FOLIO_SCRIPTED_TRY(write_sections(turn, "Report: " + topic, sections));
  turn.memory()["templates"].push_back("report");
  return "wrote the report on " + topic + " with an executive summary, findings and the chart 'findings_chart'";
}

// Tables and charts of a text document are named as the text tools require: a letter first, then letters, digits
// and underscores, 32 characters at most.
std::string text_object_name(turn_context& turn, const std::string& stem, const std::string& suffix) {
  auto base = slug(stem);
  if (std::isalpha(static_cast<unsigned char>(base.front())) == 0) {
    base = "item_" + base;
  }
  base = base.substr(0, 24 - suffix.size()) + suffix;
  return unique_object_name(turn, base);
}

// "Timeline section", "the executive summary" → the section the agent knows by that name.
std::optional<std::string> find_section(turn_context& turn, std::string hint) {
  const std::string suffix = " section";
  if (hint.size() > suffix.size() && slug(hint.substr(hint.size() - suffix.size())) == "section") {
    hint = hint.substr(0, hint.size() - suffix.size());
  }
  return find_object(turn, "section", hint);
}

folio::error unknown_section(turn_context& turn, const std::string& hint) {
  return folio::fail(folio::errc::prompt_not_understood,
                     "the document has no section '" + hint + "'; its sections are " + known_of_type(turn, "section"),
                     "prompt");
}

} // namespace

folio::result<std::string> build_text(turn_context& turn, const request& wanted) {
  memory_objects(turn);
  if (const auto* made = std::get_if<proposal_request>(&wanted)) {
    return proposal(turn, *made);
  }
  if (const auto* made = std::get_if<business_review_request>(&wanted)) {
    return business_review(turn, *made);
  }
  if (const auto* made = std::get_if<report_request>(&wanted)) {
    return report(turn, *made);
  }
  document text(turn);
  if (const auto* made = std::get_if<add_section_request>(&wanted)) {
    FOLIO_SCRIPTED_TRY(text.heading(made->title, 2, at_end()));
    FOLIO_SCRIPTED_TRY(text.paragraph(made->text.value_or("This section is to be written."), at_end()));
    remember_container(turn, made->title, {{"type", "section"}, {"level", 2}});
    return "added the section '" + made->title + "'";
  }
  if (const auto* made = std::get_if<add_table_request>(&wanted)) {
    std::string section;
    if (made->target) {
      auto found = find_section(turn, *made->target);
      if (!found) {
        return unknown_section(turn, *made->target);
      }
      section = *found;
    } else if (turn.memory().contains("active") && turn.memory()["active"].is_string()) {
      section = turn.memory()["active"].get<std::string>();
    }
    const auto subject = made->subject.value_or("items");
    const auto name = text_object_name(turn, subject, "_table");
    json rows = json::array({json::array({"Item", "Owner", "Due"})});
    for (int row = 1; row <= 3; ++row) {
      rows.push_back(
          {subject + " " + std::to_string(row) + " (sample)", "To be assigned", "Month " + std::to_string(row * 2)});
    }
    FOLIO_SCRIPTED_TRY(text.table(name, rows, section.empty() ? at_end() : after_heading(section)));
    memory_objects(turn)[name] = {{"type", "table"}, {"section", section}, {"rows", rows.size()}, {"columns", 3}};
    return "added the table '" + name + "'" + (section.empty() ? "" : " to the section '" + section + "'");
  }
  if (const auto* made = std::get_if<add_chart_request>(&wanted)) {
    const auto table = find_object(turn, "table", made->range);
    if (!table) {
      return folio::fail(folio::errc::prompt_not_understood,
                         "a chart in a text document is built from one of its tables; the tables are " +
                             known_of_type(turn, "table"),
                         "prompt");
    }
    auto section = memory_objects(turn)[*table].value("section", std::string());
    if (made->target) {
      auto found = find_section(turn, *made->target);
      if (!found) {
        return unknown_section(turn, *made->target);
      }
      section = *found;
    }
    const auto title = made->title.value_or(*table);
    const auto name = text_object_name(turn, made->title.value_or(*table), "_chart");
    FOLIO_SCRIPTED_TRY(
        text.chart_from_table(name, made->kind, title, *table, section.empty() ? at_end() : after_heading(section)));
    memory_objects(turn)[name] = {
        {"type", "chart"}, {"section", section}, {"kind", to_string(made->kind)}, {"title", title}, {"table", *table}};
    return "added the " + to_string(made->kind) + " chart '" + name + "' of the table '" + *table + "'";
  }
  if (const auto* made = std::get_if<move_chart_request>(&wanted)) {
    const auto chart = find_object(turn, "chart", made->chart);
    if (!chart) {
      return folio::fail(folio::errc::prompt_not_understood,
                         "no chart matches '" + made->chart.value_or("") + "'; the charts are " +
                             known_of_type(turn, "chart"),
                         "prompt");
    }
    const auto section = find_section(turn, made->target);
    if (!section) {
      return unknown_section(turn, made->target);
    }
    FOLIO_SCRIPTED_TRY(text.move_chart(*chart, after_heading(*section)));
    memory_objects(turn)[*chart]["section"] = *section;
    return "moved the chart '" + *chart + "' to the section '" + *section + "'";
  }
  if (const auto* made = std::get_if<move_section_request>(&wanted)) {
    const auto section = find_section(turn, made->section);
    if (!section) {
      return unknown_section(turn, made->section);
    }
    std::optional<std::string> after;
    if (!made->after.empty()) {
      after = find_section(turn, made->after);
      if (!after) {
        return unknown_section(turn, made->after);
      }
    }
    FOLIO_SCRIPTED_TRY(text.move_section(*section, after));
    auto& order = turn.memory()["order"];
    const auto object = memory_objects(turn)[*section];
    order.erase(std::remove(order.begin(), order.end(), json(*section)), order.end());
    auto position = order.size();
    if (after) {
      position = static_cast<std::size_t>(std::find(order.begin(), order.end(), json(*after)) - order.begin()) + 1;
    }
    remember_container(turn, *section, object, position);
    return "moved the section '" + *section + "'" + (after ? " after '" + *after + "'" : " to the end");
  }
  return folio::fail(folio::errc::prompt_not_understood, "that instruction is not one for a text document", "prompt");
}

void reconcile_text(nlohmann::json& memory, const nlohmann::json& outline) {
  const auto kept = memory.contains("objects") ? memory["objects"] : json::object();
  json objects_now = json::object();
  json order = json::array();
  for (const auto& heading : outline.value("headings", json::array())) {
    const auto text = heading.value("text", std::string());
    objects_now[text] = {{"type", "section"}, {"level", heading.value("level", 1)}};
    order.push_back(text);
  }
  for (const auto& table : outline.value("tables", json::array())) {
    objects_now[table.value("name", std::string())] = {{"type", "table"},
                                                       {"section", table.value("section", json())},
                                                       {"rows", table.value("rows", json())},
                                                       {"columns", table.value("columns", json())}};
  }
  for (const auto& chart : outline.value("charts", json::array())) {
    const auto name = chart.value("name", std::string());
    auto remembered = kept.contains(name) ? kept[name] : json::object();
    remembered.update({{"type", "chart"}, {"section", chart.value("section", json())}});
    for (const auto* key : {"kind", "title"}) {
      if (chart.contains(key)) {
        remembered[key] = chart[key];
      }
    }
    objects_now[name] = remembered;
  }
  for (const auto& bookmark : outline.value("bookmarks", json::array())) {
    const auto name = bookmark.is_string() ? bookmark.get<std::string>() : bookmark.value("name", std::string());
    objects_now[name] = {{"type", "bookmark"}};
  }
  memory["objects"] = objects_now;
  memory["order"] = order;
  memory["active"] = order.empty() ? json() : order.back();
}

} // namespace folio_scripted
