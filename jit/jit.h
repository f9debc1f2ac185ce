// The JIT tier: compiles a verified agreement to native code with LLVM ORC (LLJIT), a function per
// service that judges its events by all of its rules and one per due item, and hands back an
// Agreement that evaluates with it. The native code reproduces the VM
// (runtime/vm.cpp) exactly, OutOfCalendar results included. This header includes nothing of
// LLVM, so the rest of the project can include it freely.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "agr/agr.h"

namespace agr::jit {

struct Options {
  // 0: no IR passes, fast instruction selection; 1: SROA, EarlyCSE, InstCombine, SimplifyCFG;
  // 2: those and GVN (jit.cpp, optimise, says why these); 3: LLVM's O3 pipeline.
  int opt_level = 2;
  // Empty: no disk cache. Else an absolute path: compiled code is kept in that folder
  // (disk_cache.h says what is trusted and why), made 0700 when it does not exist.
  std::string cache_dir;
};

struct Stats {
  double compile_ms = 0;    // wall time of compile(), cache look-ups included
  bool from_cache = false;  // the code came from the in-process or the disk cache
  size_t functions = 0;     // native functions in the result: per set of services judged alike, per due item
  // What the disk cache did that was not a plain hit or write: a folder not used (compiled in
  // memory), an entry discarded (and why), an entry not written.
  std::vector<std::string> notes;
};

// Compiles the verified agreement to native code; returns an Agreement that
// evaluates with it (Agreement::with_native_code), or null with *error. Thread-safe. Compiled
// code is cached in-process (keyed by the bytecode and the options), so compiling one agreement
// twice in a process compiles it once.
std::shared_ptr<const Agreement> compile(const Agreement& agreement, const Options& options, Stats* stats,
                                         std::string* error);

}  // namespace agr::jit
