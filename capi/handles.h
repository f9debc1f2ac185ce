// The C API's handles (agr/agr_c.h), shared by libagr (capi/agr_c.cpp) and the compiler library
// (capi/agr_compiler_c.cpp), which makes agreements from sources. Both come from one build, so
// they agree on this layout; nothing outside the two libraries sees it.
#pragma once

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "agr/agr.h"
#include "agr/agr_c.h"

struct agr_agreement {
  std::shared_ptr<const agr::Agreement> agreement;
};

namespace agr::capi {

// A copy of `text` in memory from malloc, which agr_string_free releases; null when out of memory.
inline char* copy_string(std::string_view text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (!copy) return nullptr;
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

// Sets *out (when wanted) to a copy of `message`.
inline void set_message(char** out, std::string_view message) {
  if (out) *out = copy_string(message);
}

// The body of every function that makes an agreement: a handle for a loaded one, else null with
// the message. Nothing escapes: an exception becomes a message (the C caller cannot catch it).
template <typename Load>
agr_agreement* make_agreement(char** error, Load load) {
  if (error) *error = nullptr;
  try {
    std::string message;
    std::shared_ptr<const Agreement> agreement = load(&message);
    if (!agreement) {
      set_message(error, message);
      return nullptr;
    }
    return new agr_agreement{std::move(agreement)};
  } catch (const std::bad_alloc&) {
    set_message(error, "out of memory");
  } catch (const std::exception& e) {
    set_message(error, std::string("internal error: ") + e.what());
  } catch (...) {
    set_message(error, "internal error");
  }
  return nullptr;
}

}  // namespace agr::capi
