// The bundled agreements (agreements/NAME.agr), compiled for unit tests.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>

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

// The same, loaded (and verified) for evaluation.
inline std::shared_ptr<const Agreement> bundled_agreement(const std::string& name) {
  std::string error;
  auto agreement = Agreement::from_program(bundled_program(name), &error);
  INFO(error);
  REQUIRE(agreement);
  return agreement;
}

}  // namespace agr::testing
