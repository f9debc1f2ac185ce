// What `agr run --engine jit` asks of the JIT tier, in one call, so that the command line knows
// nothing of the disk cache's place or of how the tier is loaded.
#pragma once

#include <memory>
#include <string>

#include "agr/agr.h"

namespace agr::jit {

// The disk cache's folder for this user: $AGR_JIT_CACHE (empty: none), else $XDG_CACHE_HOME/agr,
// else $HOME/.cache/agr; an absolute path, or "" when there is none.
std::string default_cache_dir();

// The agreement with native code compiled at `opt_level` (0 or 2), using the default disk cache.
// With AGR_JIT_STATS set, writes one line of statistics to stderr, and a line for each note of
// the disk cache (a folder not used, an entry discarded); stdout is not touched. Null with
// *error ("jit: ...") when it cannot compile.
std::shared_ptr<const Agreement> compile_for_command_line(const Agreement& agreement, int opt_level,
                                                           std::string* error);

}  // namespace agr::jit
