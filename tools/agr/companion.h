// The files installed with agr that it loads or starts only when a command needs them: the JIT
// plugin agr-jit.so (jit/plugin_loader.cpp) and the server agr-serve (serve.cpp). Each lies
// beside the running executable (the build tree, or a folder holding everything), or where the
// package installs it, at a fixed path relative to the executable's folder (bin/), so an installed
// tree can be moved whole.
#pragma once

#include <string>

namespace agr {

// The folder of the running executable ("" when /proc/self/exe cannot be read).
std::string executable_folder();

// The path of the companion file `name`: DIR/NAME, else DIR/FROM_BIN/NAME, DIR being the
// executable's folder. "" when neither exists, with *missing saying where it looked: "no NAME
// beside DIR/agr or at DIR/FROM_BIN/NAME".
std::string find_companion(const std::string& name, const std::string& from_bin, std::string* missing);

}  // namespace agr
