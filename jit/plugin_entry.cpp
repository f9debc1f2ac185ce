// The JIT plugin's entry point (agr-jit.so; jit/plugin.h).
#include "plugin.h"

extern "C" __attribute__((visibility("default"))) const agr::jit::PluginInterface* agr_jit_plugin() {
  static const agr::jit::PluginInterface interface{agr::jit::PluginAbi{}, &agr::jit::compile};
  return &interface;
}
