// The bytecode verifier: a Program that passes can be run on any history without reading or
// writing outside its tables or its frame, without a type confusion, and in bounded time.
#pragma once

#include <string>
#include <vector>

#include "program.h"

namespace agr {

// Checks every limit of limits_table.h, every table index, every function's slice and role, and every
// instruction's operands against the opcode table (opcodes.h) and the function's register
// types: each instruction must be valid in the role of its function, jumps must go forward
// within the function, every function must end in HOLD, FAIL or DUE, and every register must be
// written before it is read on every path. Returns false with the first problem in *error.
bool verify_program(const Program& program, std::string* error);

// The role of each function, as the program's tables give it: the function of a rule, of a
// warning or of a due item. False with the reason when a rule or due item names a function that
// does not exist, or a function has no role or two. The verifier, the VM (a debug check) and the
// JIT read roles from here.
bool function_roles(const Program& program, std::vector<Role>* roles, std::string* error);

}  // namespace agr
