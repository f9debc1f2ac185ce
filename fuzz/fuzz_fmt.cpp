// fuzz_fmt: any bytes as an .agr source for `agr fmt`. Whenever the source parses, its layout must
// parse back to the same tree with the same comments (format_source checks that, and an
// "internal error" from it is a failure here), and laying the layout out again must give it
// unchanged.
#include <string>

#include "fuzz_common.h"
#include "format.h"
#include "parse.h"

namespace agr::fuzz {

int fmt_one(const uint8_t* data, size_t size) {
  constexpr const char* kTarget = "fuzz_fmt";
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const SourceFile file{"fuzz.agr", std::string(input)};
  Diagnostics parsed;
  if (!parse_agreement(file, parsed)) return 0;  // not a source fmt lays out
  Diagnostics diags;
  std::string once;
  if (!format_source(file, diags, &once)) fail(kTarget, "the layout changes the file:\n" + diags.render(file), input);
  const SourceFile again{"fuzz.agr", once};
  Diagnostics second;
  std::string twice;
  if (!format_source(again, second, &twice)) fail(kTarget, "the layout does not lay out:\n" + second.render(again), input);
  if (twice != once) fail(kTarget, "laying out twice changes the text:\n" + once + "\n--- then ---\n" + twice, input);
  return 0;
}

}  // namespace agr::fuzz

#ifndef AGR_FUZZ_REPLAY
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return agr::fuzz::fmt_one(data, size); }
#endif
