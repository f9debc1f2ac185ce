// The JIT tier as a plugin: LLVM is loaded only when the JIT is asked for. `agr` links none of
// LLVM; `agr run --engine jit` loads agr-jit.so (jit/CMakeLists.txt: agr_jit_plugin, beside the
// executable, or in ../lib/agr/ when installed) with dlopen, and calls jit::compile through the
// interface below. The plugin's own undefined symbols (the runtime: Agreement, write_bytecode,
// the calendar) resolve to the ones agr exports, so there is one runtime in the process.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "agr/agr.h"
#include "evaluate.h"
#include "jit.h"

namespace agr::jit {

// What both sides were built with. A plugin from another build (another layout of these types, or
// another version of this interface) is refused rather than called.
struct PluginAbi {
  int version = 2;  // 2: NativeCode::services (each service's judges fused)
  size_t program = sizeof(Program), course_state = sizeof(CourseState), index = sizeof(AgreementIndex),
         options = sizeof(Options), stats = sizeof(Stats), string = sizeof(std::string),
         native_code = sizeof(NativeCode);
  bool operator==(const PluginAbi&) const = default;
};

struct PluginInterface {
  PluginAbi abi;
  std::shared_ptr<const Agreement> (*compile)(const Agreement& agreement, const Options& options, Stats* stats,
                                              std::string* error);
};

// The plugin's one exported symbol.
inline constexpr const char* kPluginEntry = "agr_jit_plugin";
using PluginEntry = const PluginInterface* (*)();

// Loads the plugin once per process; null with the reason ("this agr was built without the LLVM
// JIT; ...", "cannot load the JIT plugin PATH: ...").
const PluginInterface* load_plugin(std::string* error);

}  // namespace agr::jit
