// agr_agreement_compile (agr/agr_c.h), the one C function of the compiler library.
#include "agr/compiler.h"
#include "handles.h"

extern "C" agr_agreement* agr_agreement_compile(const char* path, char** error) {
  return agr::capi::make_agreement(error, [&](std::string* message) -> std::shared_ptr<const agr::Agreement> {
    if (!path) {
      *message = "agr_agreement_compile: path is NULL";
      return nullptr;
    }
    return agr::compile_agreement(path, message);
  });
}
