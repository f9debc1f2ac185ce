// The bytecode verifier: a Program that passes can be run on any history without reading or
// writing outside its tables or its frame, without a type confusion, and in bounded time.
#pragma once

#include <string>

#include "program.h"

namespace agr {

// Checks every table index, every function's slice, and every instruction's operands against
// opcodes.def and the function's register types; jumps must go forward within the function,
// every function must end in HOLD, FAIL or DUE, and every register must be written before it is
// read on every path. Returns false with the first problem in *error.
bool verify_program(const Program& program, std::string* error);

}  // namespace agr
