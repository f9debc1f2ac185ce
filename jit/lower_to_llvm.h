// Bytecode to LLVM IR: one LLVM function per Program::functions entry, with the NativeFunction
// signature, and one per service with its judges fused (NativeService). Internal to the jit
// sources (it names LLVM types).
#pragma once

#include <memory>
#include <string>

#include "evaluate.h"
#include "program.h"

namespace llvm {
class LLVMContext;
class Module;
}  // namespace llvm

namespace agr::jit {

// The symbols of function `index` and of service `service`'s fused judges in the module (and in
// a cached object file).
std::string function_symbol(size_t index);
std::string service_symbol(size_t service);

// The verifier proved every instruction valid in the role of its function; the native code of
// one that is not (COMBINABLE in a due item reads an event that is not there) would be unsafe,
// so lower_program checks it again, from the same table (opcodes.h), before generating any.
// False with *error naming the instruction.
bool lowerable(const Program& program, std::string* error);

// Translates every function of a verified program, and every service's judges fused. The
// program's constant tables (sets, flag numbers) and what its index derives from them (the judges
// of each service, the count slots: AgreementIndex, built from the program alone) are folded into
// the code, so the module is valid for this bytecode only. Null with *error when lowerable()
// refuses it.
std::unique_ptr<llvm::Module> lower_program(const Program& program, const AgreementIndex& index,
                                            llvm::LLVMContext& context, const std::string& module_id,
                                            std::string* error);

}  // namespace agr::jit
