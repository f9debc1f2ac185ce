// The bundled agreements (agreements/NAME.agr), compiled for unit tests, and the histories of
// their regression suites (tests/suites/NAME/).
#pragma once

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "agr/agr.h"
#include "driver.h"

namespace agr::testing {

// The program of agreements/NAME.agr; fails the test (with the diagnostics) when it does not compile.
inline Program bundled_program(const std::string& name) {
  SourceFile file;
  std::string error;
  REQUIRE(read_source_file(std::string(AGR_SOURCE_DIR) + "/agreements/" + name + ".agr", &file, &error));
  Diagnostics diags;
  Compilation c = compile(file, diags);
  INFO(diags.render(file));
  REQUIRE(c.program);
  return std::move(*c.program);
}

// An agreement compiled from `file` and loaded (and verified) for evaluation; fails the test, with
// the diagnostics or the loader's message, when it does not compile or load.
inline std::shared_ptr<const Agreement> compiled_agreement(const SourceFile& file) {
  Diagnostics diags;
  Compilation c = compile(file, diags);
  INFO(diags.render(file));
  REQUIRE(c.program);
  std::string error;
  auto agreement = Agreement::from_program(std::move(*c.program), &error);
  INFO(error);
  REQUIRE(agreement);
  return agreement;
}

// The program of agreements/NAME.agr, loaded (and verified) for evaluation.
inline std::shared_ptr<const Agreement> bundled_agreement(const std::string& name) {
  std::string error;
  auto agreement = Agreement::from_program(bundled_program(name), &error);
  INFO(error);
  REQUIRE(agreement);
  return agreement;
}

// The names of the bundled agreements (agreements/*.agr without .agr), sorted.
inline std::vector<std::string> bundled_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(AGR_SOURCE_DIR) + "/agreements"))
    if (entry.path().extension() == ".agr") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

// One history of a suite, as `agr run` reads it: a JSON line and the evaluation date.
struct SuiteHistory {
  std::string line;
  std::optional<Day> as_of;
  std::string origin;  // "course.suite.json case 3", for failure messages
};

// Every case of every tests/suites/NAME/*.suite.json, in file order.
inline std::vector<SuiteHistory> suite_histories(const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(AGR_SOURCE_DIR) / "tests" / "suites" / name;
  std::vector<SuiteHistory> out;
  if (!fs::is_directory(dir)) return out;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string path = entry.path().string();
    if (path.size() > 11 && path.compare(path.size() - 11, 11, ".suite.json") == 0) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  simdjson::dom::parser parser;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const std::string json = text.str();
    simdjson::dom::element doc;
    REQUIRE(parser.parse(json).get(doc) == simdjson::SUCCESS);
    simdjson::dom::array cases;
    REQUIRE(doc["cases"].get(cases) == simdjson::SUCCESS);
    size_t index = 0;
    for (simdjson::dom::element c : cases) {
      ++index;
      simdjson::dom::element history;
      if (c["history"].get(history) != simdjson::SUCCESS) continue;
      SuiteHistory h{simdjson::minify(history), std::nullopt, file.filename().string() + " case " + std::to_string(index)};
      std::string_view as_of;
      Day day;
      if (c["as_of"].get(as_of) == simdjson::SUCCESS && parse_date(as_of, &day)) h.as_of = day;
      out.push_back(std::move(h));
    }
  }
  return out;
}

}  // namespace agr::testing
