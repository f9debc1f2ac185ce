// The reference evaluator: walks the checked AST directly, recomputing everything from the list
// of accepted events each time. Written for obviousness, not speed: it is the oracle the VM and
// the JIT are compared against (tests/differential).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "agr/agr.h"
#include "ast.h"

namespace agr::reference {

class ReferenceEvaluator {
 public:
  // `checked`: the agreement's AST after resolve and check. `agreement`: the same agreement
  // compiled, used only for its tables (reading histories, naming rules in the output).
  ReferenceEvaluator(std::shared_ptr<const ast::Agreement> checked, std::shared_ptr<const Agreement> agreement);
  ~ReferenceEvaluator();

  // Same contract as Evaluator::evaluate_json_line.
  bool evaluate_json_line(std::string_view line, uint64_t line_number, std::optional<Day> as_of, std::string* out);

 private:
  std::shared_ptr<const ast::Agreement> ast_;
  std::shared_ptr<const Agreement> agreement_;
  std::unique_ptr<Evaluator::Scratch> scratch_;
};

// Compiles `path` and returns both halves a ReferenceEvaluator needs; null with *error otherwise.
std::unique_ptr<ReferenceEvaluator> load_reference(const std::string& path, std::string* error);

}  // namespace agr::reference
