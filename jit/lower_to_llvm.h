// Bytecode to LLVM IR: one LLVM function per service with its judges fused (NativeService), and
// one per due item's function (NativeFunction). Internal to the jit sources (it names LLVM types).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "evaluate.h"
#include "program.h"

namespace llvm {
class LLVMContext;
class Module;
}  // namespace llvm

namespace agr::jit {

// The symbols of (due item) function `index` and of service `service`'s fused judges in the
// module (and in a cached object file).
std::string function_symbol(size_t index);
std::string service_symbol(size_t service);

// Per service, the service whose function judges it: services judged by the same rules in the same
// order (and both supplements or neither) share the first one's. A function of the index alone, so
// a cached object is read with the same map.
std::vector<uint32_t> service_code(const Program& program, const AgreementIndex& index);

// The verifier proved every instruction valid in the role of its function; the native code of
// one that is not (COMBINABLE in a due item reads an event that is not there) would be unsafe,
// so lower_program checks it again, from the same table (opcodes.h), before generating any.
// False with *error naming the instruction.
bool lowerable(const Program& program, std::string* error);

// Translates every service's judges, fused, and every due item's function of a verified program. The
// program's constant tables (sets, flag numbers) and what its index derives from them (the judges
// of each service, the count slots: AgreementIndex, built from the program alone) are folded into
// the code, so the module is valid for this bytecode only. Null with *error when lowerable()
// refuses it.
std::unique_ptr<llvm::Module> lower_program(const Program& program, const AgreementIndex& index,
                                            llvm::LLVMContext& context, const std::string& module_id,
                                            std::string* error);

}  // namespace agr::jit
