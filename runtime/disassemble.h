// A readable listing of a Program: its tables, then each rule's instructions with their synopsis,
// jump targets and source lines (`agr compile --emit=bytecode`), as SQLite's EXPLAIN shows a query.
#pragma once

#include <string>

#include "program.h"

namespace agr {

std::string disassemble(const Program& program);

}  // namespace agr
