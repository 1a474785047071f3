// The presentation (pptx) tools and outline.
//
// Slides are named: every tool that makes a slide gives it the name the agent chose or a free "slide-N", answers
// with it, and every tool that acts on a slide takes that name ("slide"). Positions count from 1. Shapes an agent
// makes (tables, charts) are named the same way, unique in the presentation, so move_shape finds them wherever they
// went. A new presentation starts with one empty slide, because Impress cannot hold none: the first add_slide fills
// that slide instead of adding a second, so N calls of add_slide make a deck of exactly N slides.
//
// The outline's keys (stable; lengths in centimetres, rounded to 0.01):
//   {"slide_count": n, "slide_width_cm": w, "slide_height_cm": h,
//    "slides": [{"position": 1.., "name", "layout": "title" | "title_content" | "title_only" | "blank" | "other",
//                "title": text of the title placeholder ("" when none),
//                "body": [{"text", "level"}] (the body or subtitle placeholder's lines, level 0 = top),
//                "shapes": [{"name", "kind": "text" | "table" | "chart" | "picture" | "other",
//                            "placeholder": "title" | "body" | "subtitle" (placeholders only),
//                            "x_cm", "y_cm", "width_cm", "height_cm"}],
//                "charts": [{"name", "kind": "column" | "bar" | "line" | "pie" | another chart type,
//                            "title", "categories": [..], "series": [{"name", "values": [..]}]}],
//                "tables": [{"name", "rows", "columns", "cells": [[..]]}],
//                "notes": the speaker notes}]}
#include "document_tools.hpp"
#include "presentation_model.hpp"

#include <algorithm>
#include <cmath>
#include <com/sun/star/drawing/XShapes.hpp>
#include <optional>

namespace folio_libreoffice {
namespace {

using namespace presentation;

constexpr double hundredths_per_cm = 1000.0;

folio::error invalid(std::string message, std::string pointer) {
  return folio::fail(folio::errc::tool_arguments_invalid, std::move(message), std::move(pointer));
}

double in_cm(sal_Int32 hundredths_of_mm) {
  return std::round(hundredths_of_mm / hundredths_per_cm * 100.0) / 100.0;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string listed;
  for (const auto& name : names) {
    listed += (listed.empty() ? "'" : ", '") + name + "'";
  }
  return listed.empty() ? "none" : listed;
}

std::vector<std::string> slide_names(const document_ref& document) {
  std::vector<std::string> names;
  for (const auto& slide : slide_list(document)) {
    names.push_back(slide_name(slide));
  }
  return names;
}

struct found_slide {
  page_ref page;
  std::size_t index = 0;
};

folio::result<found_slide> find_slide(const document_ref& document, const std::string& name,
                                      const std::string& pointer) {
  const auto slides = slide_list(document);
  for (std::size_t index = 0; index < slides.size(); ++index) {
    if (slide_name(slides[index]) == name) {
      return found_slide{slides[index], index};
    }
  }
  return invalid("the presentation has no slide named '" + name + "'; its slides are " +
                     quoted_list(slide_names(document)),
                 pointer);
}

struct found_shape {
  shape_ref shape;
  page_ref slide;
};

// Every named shape an agent may refer to: not the layout's placeholders, which set_title and set_bullets reach.
std::vector<std::pair<std::string, found_shape>> named_shapes(const document_ref& document) {
  std::vector<std::pair<std::string, found_shape>> named;
  for (const auto& slide : slide_list(document)) {
    for (const auto& shape : shapes_on(slide)) {
      if (placeholder_of(shape) == placeholder::none && !shape_name(shape).empty()) {
        named.emplace_back(shape_name(shape), found_shape{shape, slide});
      }
    }
  }
  return named;
}

folio::result<found_shape> find_shape(const document_ref& document, const std::string& name,
                                      const std::string& pointer) {
  std::vector<std::string> names;
  for (auto& [each, found] : named_shapes(document)) {
    if (each == name) {
      return found;
    }
    names.push_back(each);
  }
  return invalid("the presentation has no shape named '" + name + "' (slide placeholders are reached through " +
                     "set_title and set_bullets); its named shapes are " + quoted_list(names),
                 pointer);
}

// Checks a shape name the agent chose, or makes a free one from `stem`.
folio::result<std::string> new_shape_name(const document_ref& document, const nlohmann::json& arguments,
                                          const std::string& stem) {
  const auto named = named_shapes(document);
  const auto taken = [&](const std::string& name) {
    return std::any_of(named.begin(), named.end(), [&](const auto& each) { return each.first == name; });
  };
  if (arguments.contains("name")) {
    auto name = arguments["name"].get<std::string>();
    if (taken(name)) {
      return invalid("the presentation already has a shape named '" + name + "'", "/name");
    }
    return name;
  }
  for (std::size_t number = named.size() + 1;; ++number) {
    if (auto name = stem + "-" + std::to_string(number); !taken(name)) {
      return name;
    }
  }
}

nlohmann::json bounds_json(const rectangle& bounds) {
  return {{"x_cm", in_cm(bounds.x)},
          {"y_cm", in_cm(bounds.y)},
          {"width_cm", in_cm(bounds.width)},
          {"height_cm", in_cm(bounds.height)}};
}

// The region the arguments give, each side defaulting to the slide's content area below the title.
folio::result<rectangle> requested_bounds(const page_ref& slide, const nlohmann::json& arguments) {
  const auto page = slide_size(slide);
  rectangle bounds{page.width * 8 / 100, page.height * 25 / 100, page.width * 84 / 100, page.height * 65 / 100};
  const auto read = [&](const char* key, int& into) {
    if (arguments.contains(key)) {
      into = static_cast<int>(std::lround(arguments[key].get<double>() * hundredths_per_cm));
    }
  };
  read("x_cm", bounds.x);
  read("y_cm", bounds.y);
  read("width_cm", bounds.width);
  read("height_cm", bounds.height);
  if (bounds.x + bounds.width > page.width || bounds.y + bounds.height > page.height) {
    return invalid("the region reaches past the slide, which is " + nlohmann::json(in_cm(page.width)).dump() +
                       " cm wide and " + nlohmann::json(in_cm(page.height)).dump() + " cm high",
                   arguments.contains("width_cm") ? "/width_cm" : "/x_cm");
  }
  return bounds;
}

std::vector<text_line> bullet_lines(const nlohmann::json& bullets) {
  std::vector<text_line> lines;
  for (const auto& bullet : bullets) {
    if (bullet.is_string()) {
      lines.push_back({bullet.get<std::string>(), 0});
    } else {
      const auto level = bullet.find("level");
      lines.push_back({bullet["text"].get<std::string>(), level == bullet.end() ? 0 : level->get<int>()});
    }
  }
  return lines;
}

// The body placeholder of a content layout, or the subtitle of a title slide.
shape_ref body_of(const page_ref& slide) {
  auto body = find_placeholder(slide, placeholder::body);
  return body.is() ? body : find_placeholder(slide, placeholder::subtitle);
}

bool is_untouched_start(const std::vector<page_ref>& slides) {
  if (slides.size() != 1 || !is_reserved_slide_name(slide_name(slides.front()))) {
    return false;
  }
  const auto shapes = shapes_on(slides.front());
  return std::all_of(shapes.begin(), shapes.end(), [](const shape_ref& shape) {
    return placeholder_of(shape) != placeholder::none && read_text(shape).empty();
  });
}

void clear_slide(const page_ref& slide) {
  const css::uno::Reference<css::drawing::XShapes> shapes(slide, css::uno::UNO_QUERY_THROW);
  for (const auto& shape : shapes_on(slide)) {
    shapes->remove(shape);
  }
  name_slide(slide, "");
}

// A new, empty slide at `index` (from 0). UNO inserts a page after the one it is given and never before the first:
// for the first place, the new second page takes over the first page's content and the emptied first is the new one.
page_ref insert_slide_at(const document_ref& document, std::size_t index) {
  const auto pages = slides_of(document);
  if (index > 0) {
    return pages->insertNewByIndex(static_cast<sal_Int32>(index - 1));
  }
  const auto second = pages->insertNewByIndex(0);
  const page_ref first(pages->getByIndex(0), css::uno::UNO_QUERY_THROW);
  copy_slide(document, first, second);
  clear_slide(first);
  if (const auto notes = notes_of(first); !notes.empty()) {
    set_notes(document, first, "");
  }
  return first;
}

// Why a slide name the agent chose cannot be used, if it cannot: LibreOffice's own defaults would be dropped on
// saving, and names must tell slides apart.
std::optional<folio::error> refuse_slide_name(const std::vector<std::string>& names, const std::string& name) {
  if (is_reserved_slide_name(name)) {
    return invalid("'" + name + "' is a name LibreOffice keeps for unnamed slides; choose another", "/name");
  }
  if (std::find(names.begin(), names.end(), name) != names.end()) {
    return invalid("the presentation already has a slide named '" + name + "'; its slides are " + quoted_list(names),
                   "/name");
  }
  return std::nullopt;
}

folio::result<nlohmann::json> add_slide_tool(const document_ref& document, const nlohmann::json& arguments) {
  const auto slides = slide_list(document);
  const auto layout = arguments["layout"].get<std::string>();
  const bool has_body = layout == "title" || layout == "title_content";
  if (arguments.contains("title") && layout == "blank") {
    return invalid("a blank slide has no title; choose the layout title, title_content or title_only", "/title");
  }
  if (arguments.contains("bullets") && !has_body) {
    return invalid("a " + layout + " slide has no body for bullets; choose the layout title_content", "/bullets");
  }
  const bool reuse = is_untouched_start(slides);
  const std::size_t count = reuse ? 0 : slides.size();
  const auto position = arguments.value("position", static_cast<int>(count) + 1);
  if (static_cast<std::size_t>(position) > count + 1) {
    return invalid("position " + std::to_string(position) + " lies past the end: the presentation has " +
                       std::to_string(count) + " slides, so positions 1 to " + std::to_string(count + 1) + " are open",
                   "/position");
  }
  const auto names = slide_names(document);
  const auto taken = [&](const std::string& name) {
    return !reuse && std::find(names.begin(), names.end(), name) != names.end();
  };
  std::string name;
  if (arguments.contains("name")) {
    name = arguments["name"].get<std::string>();
    if (auto refused = refuse_slide_name(reuse ? std::vector<std::string>() : names, name)) {
      return *refused;
    }
  } else {
    for (auto number = static_cast<std::size_t>(position);; ++number) {
      if (name = "slide-" + std::to_string(number); !taken(name)) {
        break;
      }
    }
  }

  const auto slide = reuse ? slides.front() : insert_slide_at(document, static_cast<std::size_t>(position) - 1);
  set_layout(slide, layout);
  name_slide(slide, name);
  if (arguments.contains("title")) {
    write_text(find_placeholder(slide, placeholder::title), arguments["title"].get<std::string>());
  }
  if (arguments.contains("bullets")) {
    write_lines(body_of(slide), bullet_lines(arguments["bullets"]));
  }
  return nlohmann::json{{"slide", name},
                        {"position", position},
                        {"layout", layout},
                        {"slide_count", slide_list(document).size()},
                        {"reused_starting_slide", reuse}};
}

folio::result<nlohmann::json> delete_slide_tool(const document_ref& document, const nlohmann::json& arguments) {
  auto found = find_slide(document, arguments["slide"].get<std::string>(), "/slide");
  if (!found) {
    return found.error();
  }
  if (slide_list(document).size() == 1) {
    return invalid("a presentation keeps at least one slide: '" + arguments["slide"].get<std::string>() +
                       "' is the only one",
                   "/slide");
  }
  slides_of(document)->remove(found.value().page);
  return nlohmann::json{{"deleted", arguments["slide"]}, {"slides", slide_names(document)}};
}

folio::result<nlohmann::json> move_slide_tool(const document_ref& document, const nlohmann::json& arguments) {
  auto found = find_slide(document, arguments["slide"].get<std::string>(), "/slide");
  if (!found) {
    return found.error();
  }
  const auto count = slide_list(document).size();
  const auto target = static_cast<std::size_t>(arguments["position"].get<int>()) - 1;
  if (target >= count) {
    return invalid("position " + std::to_string(target + 1) + " lies past the end: the presentation has " +
                       std::to_string(count) + " slides",
                   "/position");
  }
  const auto source = found.value();
  auto moved = source.page;
  if (target != source.index) {
    // Impress offers no way to move a page: the slide is rebuilt at its new place and the original removed.
    moved = target > source.index ? slides_of(document)->insertNewByIndex(static_cast<sal_Int32>(target))
                                  : insert_slide_at(document, target);
    copy_slide(document, source.page, moved);
    slides_of(document)->remove(source.page);
  }
  return nlohmann::json{{"slide", slide_name(moved)}, {"position", target + 1}, {"slides", slide_names(document)}};
}

folio::result<nlohmann::json> rename_slide_tool(const document_ref& document, const nlohmann::json& arguments) {
  auto found = find_slide(document, arguments["slide"].get<std::string>(), "/slide");
  if (!found) {
    return found.error();
  }
  const auto name = arguments["name"].get<std::string>();
  if (name == arguments["slide"].get<std::string>()) {
    return nlohmann::json{{"slide", name}, {"position", found.value().index + 1}};
  }
  if (auto refused = refuse_slide_name(slide_names(document), name)) {
    return *refused;
  }
  name_slide(found.value().page, name);
  return nlohmann::json{{"slide", name}, {"previous_name", arguments["slide"]}, {"position", found.value().index + 1}};
}

folio::result<nlohmann::json> set_title_tool(const document_ref& document, const nlohmann::json& arguments) {
  auto found = find_slide(document, arguments["slide"].get<std::string>(), "/slide");
  if (!found) {
    return found.error();
  }
  const auto title = find_placeholder(found.value().page, placeholder::title);
  if (!title.is()) {
    return invalid("slide '" + arguments["slide"].get<std::string>() + "' has the layout " +
                       layout_name(found.value().page) + ", which has no title",
                   "/slide");
  }
  write_text(title, arguments["title"].get<std::string>());
  return nlohmann::json{{"slide", arguments["slide"]}, {"title", arguments["title"]}};
}

folio::result<nlohmann::json> set_bullets_tool(const document_ref& document, const nlohmann::json& arguments) {
  auto found = find_slide(document, arguments["slide"].get<std::string>(), "/slide");
  if (!found) {
    return found.error();
  }
  const auto body = body_of(found.value().page);
  if (!body.is()) {
    return invalid("slide '" + arguments["slide"].get<std::string>() + "' has the layout " +
                       layout_name(found.value().page) + ", which has no body for bullets",
                   "/slide");
  }
  const auto lines = bullet_lines(arguments["bullets"]);
  write_lines(body, lines);
  return nlohmann::json{{"slide", arguments["slide"]}, {"bullets", lines.size()}};
}

folio::result<nlohmann::json> set_notes_tool(const document_ref& document, const nlohmann::json& arguments) {
  auto found = find_slide(document, arguments["slide"].get<std::string>(), "/slide");
  if (!found) {
    return found.error();
  }
  set_notes(document, found.value().page, arguments["notes"].get<std::string>());
  return nlohmann::json{{"slide", arguments["slide"]},
                        {"notes_characters", arguments["notes"].get<std::string>().size()}};
}

std::string cell_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

folio::result<nlohmann::json> add_table_tool(const document_ref& document, const nlohmann::json& arguments) {
  auto found = find_slide(document, arguments["slide"].get<std::string>(), "/slide");
  if (!found) {
    return found.error();
  }
  auto name = new_shape_name(document, arguments, "table");
  if (!name) {
    return name.error();
  }
  auto bounds = requested_bounds(found.value().page, arguments);
  if (!bounds) {
    return bounds.error();
  }
  table_cells cells;
  for (const auto& row : arguments["rows"]) {
    auto& cell_row = cells.emplace_back();
    for (const auto& value : row) {
      cell_row.push_back(cell_text(value));
    }
  }
  const auto shape = add_table(document, found.value().page, bounds.value(), cells);
  name_shape(shape, name.value());
  const auto made = read_table(shape);
  return nlohmann::json{{"table", name.value()},
                        {"slide", arguments["slide"]},
                        {"rows", made.size()},
                        {"columns", made.empty() ? 0 : made.front().size()},
                        {"bounds", bounds_json(bounds_of(shape))}};
}

folio::result<nlohmann::json> add_chart_tool(const document_ref& document, const nlohmann::json& arguments) {
  auto found = find_slide(document, arguments["slide"].get<std::string>(), "/slide");
  if (!found) {
    return found.error();
  }
  chart_data data;
  data.kind = arguments["kind"].get<std::string>();
  data.title = arguments.value("title", std::string());
  data.categories = arguments["categories"].get<std::vector<std::string>>();
  data.values.assign(data.categories.size(), {});
  const auto& series = arguments["series"];
  for (std::size_t index = 0; index < series.size(); ++index) {
    const auto& values = series[index]["values"];
    if (values.size() != data.categories.size()) {
      return invalid("series '" + series[index]["name"].get<std::string>() + "' has " + std::to_string(values.size()) +
                         " values for " + std::to_string(data.categories.size()) +
                         " categories; give one value per category",
                     "/series/" + std::to_string(index) + "/values");
    }
    data.series_names.push_back(series[index]["name"].get<std::string>());
    for (std::size_t category = 0; category < values.size(); ++category) {
      data.values[category].push_back(values[category].get<double>());
    }
  }
  auto name = new_shape_name(document, arguments, "chart");
  if (!name) {
    return name.error();
  }
  auto bounds = requested_bounds(found.value().page, arguments);
  if (!bounds) {
    return bounds.error();
  }
  const auto shape = add_chart(document, found.value().page, bounds.value(), data);
  name_shape(shape, name.value());
  return nlohmann::json{{"chart", name.value()},
                        {"slide", arguments["slide"]},
                        {"kind", data.kind},
                        {"series", data.series_names},
                        {"bounds", bounds_json(bounds_of(shape))}};
}

folio::result<nlohmann::json> move_shape_tool(const document_ref& document, const nlohmann::json& arguments) {
  auto shape = find_shape(document, arguments["shape"].get<std::string>(), "/shape");
  if (!shape) {
    return shape.error();
  }
  auto target = find_slide(document, arguments["to_slide"].get<std::string>(), "/to_slide");
  if (!target) {
    return target.error();
  }
  const auto from = slide_name(shape.value().slide);
  const auto kind = kind_of(shape.value().shape);
  if (from != slide_name(target.value().page)) {
    const auto copy = copy_shape(document, shape.value().shape, target.value().page);
    const css::uno::Reference<css::drawing::XShapes> source(shape.value().slide, css::uno::UNO_QUERY_THROW);
    source->remove(shape.value().shape);
    shape.value().shape = copy;
  }
  return nlohmann::json{{"shape", arguments["shape"]},
                        {"kind", kind_name(kind)},
                        {"from_slide", from},
                        {"to_slide", arguments["to_slide"]},
                        {"bounds", bounds_json(bounds_of(shape.value().shape))}};
}

nlohmann::json slide_outline(const page_ref& slide, std::size_t index) {
  const auto title = find_placeholder(slide, placeholder::title);
  const auto body = body_of(slide);
  auto body_lines = nlohmann::json::array();
  if (body.is()) {
    for (const auto& line : read_lines(body)) {
      body_lines.push_back({{"text", line.text}, {"level", line.level}});
    }
  }
  auto shapes = nlohmann::json::array();
  auto charts = nlohmann::json::array();
  auto tables = nlohmann::json::array();
  // What one shape adds to the outline: its description, and its chart or table when it is one.
  struct shape_outline {
    nlohmann::json described;
    nlohmann::json chart;
    nlohmann::json table;
  };
  const auto outline_shape = [](const shape_ref& shape) -> std::optional<shape_outline> {
    const auto role = placeholder_of(shape);
    if (role == placeholder::other) {
      return std::nullopt;
    }
    shape_outline read;
    const auto kind = kind_of(shape);
    read.described = bounds_json(bounds_of(shape));
    read.described["name"] = shape_name(shape);
    read.described["kind"] = kind_name(kind);
    if (role != placeholder::none) {
      read.described["placeholder"] = role == placeholder::title  ? "title"
                                      : role == placeholder::body ? "body"
                                                                  : "subtitle";
    }
    if (kind == shape_kind::chart) {
      const auto data = read_chart(shape);
      auto series = nlohmann::json::array();
      for (std::size_t column = 0; column < data.series_names.size(); ++column) {
        auto values = nlohmann::json::array();
        for (const auto& row : data.values) {
          values.push_back(column < row.size() ? row[column] : 0.0);
        }
        series.push_back({{"name", data.series_names[column]}, {"values", values}});
      }
      read.chart = {{"name", shape_name(shape)},
                    {"kind", data.kind},
                    {"title", data.title},
                    {"categories", data.categories},
                    {"series", series}};
    } else if (kind == shape_kind::table) {
      const auto cells = read_table(shape);
      read.table = {{"name", shape_name(shape)},
                    {"rows", cells.size()},
                    {"columns", cells.empty() ? 0 : cells.front().size()},
                    {"cells", cells}};
    }
    return read;
  };
  // The office may replace a chart's drawing object while a slide is read, after the load has returned (seen under
  // load: reading one chart's data, another chart's object at the next index was swapped for a new one). A shape
  // reference taken before then answers for nothing: no name, 0.1 cm at the origin, not a chart. So each shape is
  // fetched by its index just before it is read, and read again if the object at that index changed meanwhile.
  constexpr int reads_per_shape = 3;
  for (sal_Int32 position = 0; position < slide->getCount(); ++position) {
    std::optional<shape_outline> read;
    for (int attempt = 0; attempt < reads_per_shape; ++attempt) {
      const shape_ref shape(slide->getByIndex(position), css::uno::UNO_QUERY_THROW);
      read = outline_shape(shape);
      if (shape_ref(slide->getByIndex(position), css::uno::UNO_QUERY_THROW) == shape) {
        break;
      }
    }
    if (!read) {
      continue;
    }
    shapes.push_back(std::move(read->described));
    if (!read->chart.is_null()) {
      charts.push_back(std::move(read->chart));
    }
    if (!read->table.is_null()) {
      tables.push_back(std::move(read->table));
    }
  }
  return {{"position", index + 1},
          {"name", slide_name(slide)},
          {"layout", layout_name(slide)},
          {"title", title.is() ? read_text(title) : std::string()},
          {"body", body_lines},
          {"shapes", shapes},
          {"charts", charts},
          {"tables", tables},
          {"notes", notes_of(slide)}};
}

folio::result<nlohmann::json> outline(const document_ref& document) {
  restore_slide_names(document);
  const auto slides = slide_list(document);
  auto described = nlohmann::json::array();
  for (std::size_t index = 0; index < slides.size(); ++index) {
    described.push_back(slide_outline(slides[index], index));
  }
  const auto size = slide_size(slides.front());
  return nlohmann::json{{"slide_count", slides.size()},
                        {"slide_width_cm", in_cm(size.width)},
                        {"slide_height_cm", in_cm(size.height)},
                        {"slides", described}};
}

// Schema pieces several tools share.
const char* const slide_parameter =
    R"({"type": "string", "minLength": 1, "description": "The slide's name, as add_slide answered or the outline lists it."})";
const char* const bullets_parameter = R"({"type": "array", "maxItems": 100,
  "description": "The lines, top to bottom. A string is a top-level bullet; {\"text\", \"level\"} nests it (level 1 sits under the bullet before it).",
  "items": {"anyOf": [{"type": "string"},
                      {"type": "object", "properties": {"text": {"type": "string"},
                                                        "level": {"type": "integer", "minimum": 0, "maximum": 8}},
                       "required": ["text"], "additionalProperties": false}]}})";
const char* const region_properties = R"({
  "x_cm": {"type": "number", "minimum": 0, "maximum": 100, "description": "Left edge from the slide's left, in cm (default: the content area below the title)."},
  "y_cm": {"type": "number", "minimum": 0, "maximum": 100, "description": "Top edge from the slide's top, in cm."},
  "width_cm": {"type": "number", "exclusiveMinimum": 0, "maximum": 100, "description": "Width in cm; the outline gives the slide's size."},
  "height_cm": {"type": "number", "exclusiveMinimum": 0, "maximum": 100, "description": "Height in cm."}})";
const char* const shape_name_parameter =
    R"({"type": "string", "minLength": 1, "maxLength": 100, "description": "A name to refer to it later, unique in the presentation (default: one is made and answered)."})";

nlohmann::json object_schema(nlohmann::json properties, const std::vector<std::string>& required,
                             bool with_region = false) {
  if (with_region) {
    properties.update(nlohmann::json::parse(region_properties));
  }
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", required},
          {"additionalProperties", false}};
}

document_tools make_tools() {
  using nlohmann::json;
  const auto slide = json::parse(slide_parameter);
  const auto bullets = json::parse(bullets_parameter);
  document_tools made{"pptx", "private:factory/simpress", "Impress MS PowerPoint 2007 XML", {}, outline};
  made.tools.push_back(
      {"add_slide",
       "Adds a slide with a layout, an optional title and bullets, and answers its name and position. A new "
       "presentation's single empty starting slide is filled by the first add_slide rather than kept, so N calls "
       "make N slides.",
       object_schema(
           {{"layout", json::parse(R"({"type": "string", "enum": ["title", "title_content", "title_only", "blank"],
               "description": "title: a title and a subtitle (bullets fill the subtitle); title_content: a title and a bulleted body; title_only: a title alone (room for a chart or table); blank: nothing."})")},
            {"title", json::parse(R"({"type": "string", "description": "The slide's title."})")},
            {"bullets", bullets},
            {"position",
             json::parse(
                 R"({"type": "integer", "minimum": 1, "description": "Where the slide goes, 1 for first (default: after the last)."})")},
            {"name",
             json::parse(
                 R"({"type": "string", "minLength": 1, "maxLength": 100, "description": "A name to refer to the slide later, unique in the presentation (default: slide-N)."})")}},
           {"layout"}),
       add_slide_tool});
  made.tools.push_back({"delete_slide", "Deletes a slide and everything on it; the last remaining slide stays.",
                        object_schema({{"slide", slide}}, {"slide"}), delete_slide_tool});
  made.tools.push_back({"move_slide", "Moves a slide to another position, keeping its name, content and notes.",
                        object_schema({{"slide", slide}, {"position", json::parse(R"({"type": "integer", "minimum": 1,
                         "description": "The slide's new position, 1 for first."})")}},
                                      {"slide", "position"}),
                        move_slide_tool});
  made.tools.push_back(
      {"rename_slide",
       "Gives a slide a new name to refer to it by; useful for slides of a deck made elsewhere, which are named after "
       "their titles or not at all.",
       object_schema({{"slide", slide}, {"name", json::parse(R"({"type": "string", "minLength": 1, "maxLength": 100,
                         "description": "The new name, unique in the presentation."})")}},
                     {"slide", "name"}),
       rename_slide_tool});
  made.tools.push_back(
      {"set_title", "Replaces a slide's title.",
       object_schema({{"slide", slide}, {"title", json::parse(R"({"type": "string"})")}}, {"slide", "title"}),
       set_title_tool});
  made.tools.push_back(
      {"set_bullets",
       "Replaces the body text of a slide (its bulleted body, or a title slide's subtitle) with bullet lines.",
       object_schema({{"slide", slide}, {"bullets", bullets}}, {"slide", "bullets"}), set_bullets_tool});
  made.tools.push_back(
      {"add_table", "Adds a table of text to a slide; the first row is usually the header. Answers the table's name.",
       object_schema({{"slide", slide},
                      {"rows", json::parse(R"({"type": "array", "minItems": 1, "maxItems": 50,
                         "description": "The rows, top to bottom, each a list of cells (text or numbers); short rows are padded with empty cells.",
                         "items": {"type": "array", "minItems": 1, "maxItems": 20,
                                   "items": {"type": ["string", "number"]}}})")},
                      {"name", json::parse(shape_name_parameter)}},
                     {"slide", "rows"}, true),
       add_table_tool});
  made.tools.push_back(
      {"add_chart",
       "Adds a chart (column, bar, line or pie) of the given categories and series to a slide. Answers the chart's "
       "name.",
       object_schema(
           {{"slide", slide},
            {"name", json::parse(shape_name_parameter)},
            {"kind", json::parse(R"({"type": "string", "enum": ["column", "bar", "line", "pie"],
               "description": "column: vertical bars; bar: horizontal bars; line; pie (one series)."})")},
            {"title", json::parse(R"({"type": "string", "description": "The chart's title (default: none)."})")},
            {"categories", json::parse(R"({"type": "array", "minItems": 1, "maxItems": 100,
               "items": {"type": "string"}, "description": "The labels along the category axis (pie: the slices)."})")},
            {"series", json::parse(R"({"type": "array", "minItems": 1, "maxItems": 20,
               "description": "The data series, each with one value per category.",
               "items": {"type": "object",
                         "properties": {"name": {"type": "string", "description": "The series' name, shown in the legend."},
                                        "values": {"type": "array", "items": {"type": "number"}}},
                         "required": ["name", "values"], "additionalProperties": false}})")}},
           {"slide", "kind", "categories", "series"}, true),
       add_chart_tool});
  made.tools.push_back(
      {"move_shape",
       "Moves a named shape (a chart, table, picture or text box) to another slide, keeping its position, size, name "
       "and data.",
       object_schema({{"shape", json::parse(R"({"type": "string", "minLength": 1,
                         "description": "The shape's name, as add_chart or add_table answered or the outline lists it."})")},
                      {"to_slide", slide}},
                     {"shape", "to_slide"}),
       move_shape_tool});
  made.tools.push_back(
      {"set_notes", "Replaces a slide's speaker notes (an empty text clears them).",
       object_schema({{"slide", slide}, {"notes", json::parse(R"({"type": "string", "maxLength": 20000})")}},
                     {"slide", "notes"}),
       set_notes_tool});
  // Every tool acts on the slide names recorded in the document, and records them again after a change.
  for (auto& tool : made.tools) {
    tool.run = [run = std::move(tool.run)](const document_ref& document,
                                           const nlohmann::json& arguments) -> folio::result<nlohmann::json> {
      restore_slide_names(document);
      auto answer = run(document, arguments);
      if (answer) {
        record_slide_names(document);
      }
      return answer;
    };
  }
  return made;
}

} // namespace

const document_tools& presentation_tools() {
  static const document_tools tools = make_tools();
  return tools;
}

} // namespace folio_libreoffice
