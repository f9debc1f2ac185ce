// Bytecode to LLVM IR: one LLVM function per Program::functions entry, with the NativeFunction
// signature. Internal to the jit sources (it names LLVM types).
#pragma once

#include <memory>
#include <string>

#include "program.h"

namespace llvm {
class LLVMContext;
class Module;
}  // namespace llvm

namespace agr::jit {

// The symbol of function `index` in the module (and in a cached object file).
std::string function_symbol(size_t index);

// Translates every function of a verified program. The program's constant tables (sets, flag
// numbers) are folded into the code, so the module is valid for this bytecode only.
std::unique_ptr<llvm::Module> lower_program(const Program& program, llvm::LLVMContext& context,
                                            const std::string& module_id);

}  // namespace agr::jit
