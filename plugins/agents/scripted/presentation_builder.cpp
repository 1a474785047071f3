#include "agent_memory.hpp"

#include <cctype>
#include <vector>

namespace folio_scripted {
namespace {

using nlohmann::json;

constexpr std::string_view sample_note = "Figures on this slide are samples generated for illustration.";

#define FOLIO_SCRIPTED_TRY(expression)                                                                                 \
  if (auto step_result = (expression); !step_result) {                                                                 \
    return step_result.error();                                                                                        \
  }

struct series {
  std::string name;
  std::vector<std::int64_t> values;
};

// The editor's presentation tools, one function each. Slides are referred to by the names the agent gives them.
class deck {
public:
  explicit deck(turn_context& turn) : turn_(turn) {}

  folio::result<json> slide(const std::string& name, const std::string& layout, const std::string& title,
                            const std::vector<std::string>& bullets) {
    json arguments{{"name", name}, {"layout", layout}, {"title", title}};
    if (!bullets.empty()) {
      arguments["bullets"] = bullets;
    }
    return turn_.call("add_slide", arguments);
  }
  folio::result<json> notes(const std::string& slide, const std::string& text) {
    return turn_.call("set_notes", {{"slide", slide}, {"notes", text}});
  }
  folio::result<json> table(const std::string& slide, const std::string& name, const json& rows) {
    return turn_.call("add_table", {{"slide", slide}, {"name", name}, {"rows", rows}});
  }
  folio::result<json> chart(const std::string& slide, const std::string& name, chart_kind kind,
                            const std::string& title, const std::vector<std::string>& categories,
                            const std::vector<series>& data) {
    json all = json::array();
    for (const auto& each : data) {
      all.push_back({{"name", each.name}, {"values", each.values}});
    }
    return turn_.call("add_chart", {{"slide", slide},
                                    {"name", name},
                                    {"kind", to_string(kind)},
                                    {"title", title},
                                    {"categories", categories},
                                    {"series", all}});
  }
  folio::result<json> move_shape(const std::string& name, const std::string& slide) {
    return turn_.call("move_shape", {{"shape", name}, {"to_slide", slide}});
  }

private:
  turn_context& turn_;
};

struct slide_plan {
  std::string title;
  std::string layout = "title_content";
  std::vector<std::string> bullets;
  std::string notes;
  std::optional<chart_kind> chart;
  std::string chart_name;
  std::string chart_title;
  std::vector<std::string> categories;
  std::vector<series> data;
  json table = nullptr;
  std::string table_name;
};

slide_plan text_slide(std::string title, std::string layout, std::vector<std::string> bullets, std::string notes) {
  slide_plan made;
  made.title = std::move(title);
  made.layout = std::move(layout);
  made.bullets = std::move(bullets);
  made.notes = std::move(notes);
  return made;
}

slide_plan chart_slide(std::string title, std::string chart_name, chart_kind kind, std::string chart_title,
                       std::vector<std::string> categories, std::vector<series> data) {
  auto made = text_slide(std::move(title), "title_only", {}, std::string(sample_note));
  made.chart = kind;
  made.chart_name = std::move(chart_name);
  made.chart_title = std::move(chart_title);
  made.categories = std::move(categories);
  made.data = std::move(data);
  return made;
}

folio::result<void> add_slide(turn_context& turn, const slide_plan& plan) {
  deck slides(turn);
  const auto name = unique_object_name(turn, "slide_" + slug(plan.title));
  FOLIO_SCRIPTED_TRY(slides.slide(name, plan.layout, plan.title, plan.bullets));
  remember_container(turn, name, {{"type", "slide"}, {"title", plan.title}, {"layout", plan.layout}});
  if (plan.chart) {
    const auto chart = unique_object_name(turn, plan.chart_name);
    FOLIO_SCRIPTED_TRY(slides.chart(name, chart, *plan.chart, plan.chart_title, plan.categories, plan.data));
    memory_objects(turn)[chart] = {
        {"type", "chart"}, {"slide", name}, {"kind", to_string(*plan.chart)}, {"title", plan.chart_title}};
  }
  if (!plan.table.is_null()) {
    const auto table = unique_object_name(turn, plan.table_name);
    FOLIO_SCRIPTED_TRY(slides.table(name, table, plan.table));
    memory_objects(turn)[table] = {{"type", "table"}, {"slide", name}, {"rows", plan.table.size()}};
  }
  if (!plan.notes.empty()) {
    FOLIO_SCRIPTED_TRY(slides.notes(name, plan.notes));
  }
  return folio::success();
}

folio::result<void> add_slides(turn_context& turn, const std::vector<slide_plan>& plans) {
  for (const auto& plan : plans) {
    FOLIO_SCRIPTED_TRY(add_slide(turn, plan));
  }
  return folio::success();
}

std::vector<std::int64_t> figures(std::string_view seed, std::size_t count, std::int64_t low, std::int64_t high) {
  std::vector<std::int64_t> made;
  for (std::size_t index = 0; index < count; ++index) {
    made.push_back(sample_figure(std::string(seed) + std::to_string(index), low, high));
  }
  return made;
}

folio::result<std::string> pitch_deck(turn_context& turn, const pitch_deck_request& wanted) {
  const auto company = wanted.company.value_or("Our Company");
  const std::vector<std::string> quarters{"Q1", "Q2", "Q3", "Q4"};
  std::vector<slide_plan> plans;
  plans.push_back(text_slide(company, "title", {}, "Open with the one-line pitch."));
  plans.push_back(
      text_slide("The Problem", "title_content",
                 {"Teams lose hours every week to manual work", "Existing tools are costly and hard to adopt"},
                 "Tell one customer's story."));
  plans.push_back(text_slide("Our Solution", "title_content",
                             {company + " automates the work end to end", "Set up in a day, no training needed"}, ""));
  auto market = chart_slide(
      "Market Opportunity", "market_chart", chart_kind::column, "Market size (USD millions)", {"TAM", "SAM", "SOM"},
      {{"Market size",
        {sample_figure(company + "tam", 8'000, 20'000) / 100, sample_figure(company + "sam", 2'000, 6'000) / 100,
         sample_figure(company + "som", 200, 900) / 100}}});
  plans.push_back(market);
  plans.push_back(text_slide("Business Model", "title_content",
                             {"Subscription per seat, billed annually", "Expansion revenue from add-ons"}, ""));
  auto traction = chart_slide("Traction", "revenue_chart", chart_kind::line, "Revenue by quarter (USD thousands)",
                              quarters, {{"Revenue", figures(company + "revenue", 4, 100'00, 900'00)}});
  plans.push_back(traction);
  plans.push_back(
      text_slide("Team", "title_content", {"Founders with ten years in the field", "Advisors from leading firms"}, ""));
  plans.push_back(text_slide("The Ask", "title_content",
                             {"Raising a seed round", "18 months of runway to reach the next milestone"},
                             "Close with the ask and the next step."));
  FOLIO_SCRIPTED_TRY(add_slides(turn, plans));
  turn.memory()["templates"].push_back("pitch_deck");
  return "built an 8-slide pitch deck for " + company + " with the charts 'market_chart' and 'revenue_chart'";
}

folio::result<std::string> review_deck(turn_context& turn, const review_deck_request& wanted) {
  const auto period =
      "Q" + std::to_string(wanted.quarter.value_or(1)) + (wanted.year ? " " + std::to_string(*wanted.year) : "");
  std::vector<slide_plan> plans;
  plans.push_back(text_slide(period + " Quarterly Review", "title", {}, ""));
  plans.push_back(text_slide("Highlights", "title_content",
                             {"Revenue ahead of plan", "Two major releases shipped", "Customer satisfaction up"}, ""));
  auto revenue = chart_slide("Revenue", "revenue_chart", chart_kind::column,
                             period + " revenue by month (USD thousands)", {"Month 1", "Month 2", "Month 3"},
                             {{"Revenue", figures(period + "revenue", 3, 300'00, 600'00)},
                              {"Target", figures(period + "target", 3, 350'00, 500'00)}});
  plans.push_back(revenue);
  auto kpis = text_slide("Key Metrics", "title_only", {}, std::string(sample_note));
  kpis.table =
      json::array({json::array({"Metric", "Value", "Change"}),
                   json::array({"Active customers",
                                std::to_string(sample_figure(period + "customers", 100'00, 900'00) / 100), "+8%"}),
                   json::array({"Net retention", "112%", "+3 pts"}), json::array({"Gross margin", "71%", "+1 pt"})});
  kpis.table_name = "kpi_table";
  plans.push_back(kpis);
  plans.push_back(
      text_slide("Next Quarter", "title_content", {"Close the enterprise pipeline", "Hire five engineers"}, ""));
  FOLIO_SCRIPTED_TRY(add_slides(turn, plans));
  turn.memory()["templates"].push_back("review_deck");
  return "built the " + period + " quarterly review deck with the chart 'revenue_chart' and the table 'kpi_table'";
}

std::string capitalised(std::string text) {
  if (!text.empty()) {
    text.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(text.front())));
  }
  return text;
}

// "3", "slide 3", "Traction", "the traction slide" → the slide's name.
std::optional<std::string> find_slide(turn_context& turn, std::string hint) {
  const auto& order = turn.memory()["order"];
  std::string digits;
  for (const char each : hint) {
    if (std::isdigit(static_cast<unsigned char>(each)) != 0) {
      digits += each;
    }
  }
  if (!digits.empty() && digits.size() < 4) {
    const auto index = static_cast<std::size_t>(std::stoi(digits));
    if (index >= 1 && index <= order.size()) {
      return order[index - 1].get<std::string>();
    }
    return std::nullopt;
  }
  const std::string suffix = " slide";
  if (hint.size() > suffix.size() && slug(hint.substr(hint.size() - suffix.size())) == "slide") {
    hint = hint.substr(0, hint.size() - suffix.size());
  }
  return find_object(turn, "slide", hint);
}

folio::error unknown_slide(turn_context& turn, const std::string& hint) {
  return folio::fail(folio::errc::prompt_not_understood,
                     "the deck has no slide '" + hint + "'; it has " + std::to_string(turn.memory()["order"].size()) +
                         " slides: " + known_of_type(turn, "slide"),
                     "prompt");
}

} // namespace

folio::result<std::string> build_presentation(turn_context& turn, const request& wanted) {
  memory_objects(turn);
  if (const auto* made = std::get_if<pitch_deck_request>(&wanted)) {
    return pitch_deck(turn, *made);
  }
  if (const auto* made = std::get_if<review_deck_request>(&wanted)) {
    return review_deck(turn, *made);
  }
  if (const auto* made = std::get_if<add_slide_request>(&wanted)) {
    const auto title = capitalised(made->topic);
    FOLIO_SCRIPTED_TRY(add_slide(
        turn, text_slide(title, "title_content",
                         {"Why " + made->topic + " matters", "Where we stand today", "What we propose next"}, "")));
    return "added a slide about " + made->topic;
  }
  deck slides(turn);
  if (const auto* made = std::get_if<add_chart_request>(&wanted)) {
    std::string slide;
    if (made->target) {
      auto found = find_slide(turn, *made->target);
      if (!found) {
        return unknown_slide(turn, *made->target);
      }
      slide = *found;
    } else if (turn.memory().contains("active") && turn.memory()["active"].is_string()) {
      slide = turn.memory()["active"].get<std::string>();
    } else {
      return folio::fail(folio::errc::prompt_not_understood, "name the slide for the chart, e.g. \"to slide 2\"",
                         "prompt");
    }
    const auto title = made->title.value_or("Revenue by quarter");
    const auto name = unique_object_name(turn, slug(title) + "_chart");
    FOLIO_SCRIPTED_TRY(slides.chart(slide, name, made->kind, title, {"Q1", "Q2", "Q3", "Q4"},
                                    {{"Sample series", figures(title, 4, 100, 900)}}));
    memory_objects(turn)[name] = {
        {"type", "chart"}, {"slide", slide}, {"kind", to_string(made->kind)}, {"title", title}};
    return "added the " + to_string(made->kind) + " chart '" + name + "' (sample figures) to the slide '" + slide + "'";
  }
  if (const auto* made = std::get_if<move_chart_request>(&wanted)) {
    const auto chart = find_object(turn, "chart", made->chart);
    if (!chart) {
      return folio::fail(folio::errc::prompt_not_understood,
                         "no chart matches '" + made->chart.value_or("") + "'; the charts are " +
                             known_of_type(turn, "chart"),
                         "prompt");
    }
    const auto slide = find_slide(turn, made->target);
    if (!slide) {
      return unknown_slide(turn, made->target);
    }
    FOLIO_SCRIPTED_TRY(slides.move_shape(*chart, *slide));
    memory_objects(turn)[*chart]["slide"] = *slide;
    return "moved the chart '" + *chart + "' to the slide '" + *slide + "'";
  }
  return folio::fail(folio::errc::prompt_not_understood, "that instruction is not one for a presentation", "prompt");
}

void reconcile_presentation(nlohmann::json& memory, const nlohmann::json& outline) {
  const auto kept = memory.contains("objects") ? memory["objects"] : json::object();
  json objects_now = json::object();
  json order = json::array();
  for (const auto& slide : outline.value("slides", json::array())) {
    const auto name = slide.value("name", std::string());
    objects_now[name] = {
        {"type", "slide"}, {"title", slide.value("title", json())}, {"layout", slide.value("layout", json())}};
    order.push_back(name);
    for (const auto& chart : slide.value("charts", json::array())) {
      const auto chart_name = chart.value("name", std::string());
      auto remembered = kept.contains(chart_name) ? kept[chart_name] : json::object();
      remembered.update({{"type", "chart"}, {"slide", name}});
      for (const auto* key : {"kind", "title"}) {
        if (chart.contains(key)) {
          remembered[key] = chart[key];
        }
      }
      objects_now[chart_name] = remembered;
    }
    for (const auto& table : slide.value("tables", json::array())) {
      objects_now[table.value("name", std::string())] = {{"type", "table"}, {"slide", name}};
    }
  }
  memory["objects"] = objects_now;
  memory["order"] = order;
  memory["active"] = order.empty() ? json() : order.back();
}

} // namespace folio_scripted
