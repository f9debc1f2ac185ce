// JSON Lines input (io-contract.md, "Input").
#pragma once

#include <string>
#include <string_view>

#include "evaluate.h"
#include "limits_table.h"

namespace agr {

// Reads one line into scratch.history. False with the reason in *error when the line breaks the
// contract (not JSON, a missing field or a wrong type, a bad date, an unknown flag, ...).
bool read_history_json(Evaluator::Scratch& scratch, const Program& program, const AgreementIndex& index,
                       std::string_view line, std::string* error);

// Best effort for an error line: the history's id, when the line is JSON enough to hold one.
bool read_history_id(Evaluator::Scratch& scratch, std::string_view line, std::string* id);

}  // namespace agr
