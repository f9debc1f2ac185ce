// The JIT tier's driver: LLJIT set-up, the optimisation pipeline, and the two caches.
//
//   key = SHA-256 of (code signature, opt level, host triple/CPU/features, the bytecode)
//
// In-process: a mutex-guarded map from key to the compiled NativeCode (which owns its LLJIT), so
// a second compile() of one agreement in a process is a look-up. (A strong hash: two agreements
// made to collide would otherwise share native code, compiled with the other's tables folded in.)
// On disk (Options::cache_dir, disk_cache.h): an entry per key, written after a compile through
// an llvm::ObjectCache on the compile layer's compiler, and loaded with LLJIT::addObjectFile by
// the next process, which then skips lowering, optimisation and code generation. An entry is
// loaded only when its recorded hashes match this key and its own bytes; anything else is
// discarded and recompiled, and Stats::notes says why.
#include "jit.h"

#include <llvm/ExecutionEngine/ObjectCache.h>
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/IRCompileLayer.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/OptimizationLevel.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/GVN.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "bytecode_file.h"
#include "disk_cache.h"
#include "evaluate.h"
#include "jit_internal.h"
#include "lower_to_llvm.h"

namespace agr::jit {
namespace {

std::string message_of(llvm::Error error) {
  std::string text = llvm::toString(std::move(error));
  return text.empty() ? "unknown LLVM error" : text;
}

bool init_native_target(std::string* error) {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    ok = !llvm::InitializeNativeTarget() && !llvm::InitializeNativeTargetAsmPrinter() &&
         !llvm::InitializeNativeTargetAsmParser();
  });
  if (!ok) *error = "jit: LLVM has no native target for this machine";
  return ok;
}

// Hands the compile layer's object to the disk cache once it is compiled. It never hands one back
// (getObject): entries are read, and checked, by compile() alone.
class CacheWriter final : public llvm::ObjectCache {
 public:
  CacheWriter(const DiskCache& disk, const Digest& key) : disk_(disk), key_(key) {}

  void notifyObjectCompiled(const llvm::Module*, llvm::MemoryBufferRef object) override {
    if (!disk_.write(key_, std::string_view(object.getBufferStart(), object.getBufferSize()), &problem_))
      problem_ = "disk cache: not written: " + problem_;
  }
  std::unique_ptr<llvm::MemoryBuffer> getObject(const llvm::Module*) override { return nullptr; }

  const std::string& problem() const { return problem_; }

 private:
  const DiskCache& disk_;
  Digest key_;
  std::string problem_;
};

// Native code for one agreement; it keeps the JIT (and so the code) alive.
struct JitCode final : NativeCode {
  std::unique_ptr<CacheWriter> cache_writer;  // outlives the JIT's compiler, which points at it
  std::unique_ptr<llvm::orc::LLJIT> jit;
};

// The code is a DAG of blocks in a few dozen functions (jumps go forward only) that call nothing
// LLVM could inline, so the passes that pay are the ones that promote the registers (SROA), share
// what several rules compute (EarlyCSE and GVN: loads of the course state, readnone calls such as
// start + 3 months) and simplify; LLVM's O2 module pipeline adds loop, inlining and vectorising
// passes that find nothing here and cost a fifth of the compile. Level 3 is that pipeline at O3.
void optimise(llvm::Module& module, llvm::TargetMachine* machine, int opt_level) {
  if (opt_level <= 0) return;
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(machine);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager passes;
  if (opt_level >= 3) {
    passes = builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  } else {
    llvm::FunctionPassManager function;
    function.addPass(llvm::SROAPass());
    function.addPass(llvm::EarlyCSEPass(/*UseMemorySSA=*/true));
    function.addPass(llvm::InstCombinePass());
    function.addPass(llvm::SimplifyCFGPass());
    if (opt_level == 2) {
      function.addPass(llvm::GVNPass());
      function.addPass(llvm::InstCombinePass());
      function.addPass(llvm::SimplifyCFGPass());
    }
    passes.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(function)));
  }
  passes.run(module, mam);
}

// Builds the JIT and its code. With `object` (a cached object file) nothing is compiled.
llvm::Expected<std::shared_ptr<JitCode>> build(const Agreement& agreement, llvm::orc::JITTargetMachineBuilder machine,
                                               int opt_level, const std::string& module_id,
                                               std::unique_ptr<CacheWriter> cache_writer,
                                               std::unique_ptr<llvm::MemoryBuffer> object) {
  const Program& program = agreement.program();
  auto code = std::make_shared<JitCode>();
  code->cache_writer = std::move(cache_writer);

  machine.setCodeGenOptLevel(opt_level <= 0 ? llvm::CodeGenOpt::None : llvm::CodeGenOpt::Default);
  llvm::orc::LLJITBuilder builder;
  builder.setJITTargetMachineBuilder(machine);
  if (code->cache_writer) {
    CacheWriter* cache = code->cache_writer.get();
    builder.setCompileFunctionCreator(
        [cache](llvm::orc::JITTargetMachineBuilder jtmb)
            -> llvm::Expected<std::unique_ptr<llvm::orc::IRCompileLayer::IRCompiler>> {
          auto tm = jtmb.createTargetMachine();
          if (!tm) return tm.takeError();
          return std::make_unique<llvm::orc::TMOwningSimpleCompiler>(std::move(*tm), cache);
        });
  }
  auto jit = builder.create();
  if (!jit) return jit.takeError();
  code->jit = std::move(*jit);
  llvm::orc::LLJIT& j = *code->jit;
  // Failures come back from lookup(); do not also print them.
  j.getExecutionSession().setErrorReporter([](llvm::Error e) { llvm::consumeError(std::move(e)); });

  // The helpers, by absolute address: no dynamic symbol look-up in the host process.
  llvm::orc::SymbolMap helpers;
  for (size_t i = 0; i < kHelperCount; ++i)
    helpers[j.mangleAndIntern(kHelpers[i].name)] =
        llvm::JITEvaluatedSymbol(llvm::pointerToJITTargetAddress(kHelpers[i].address),
                                 llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
  if (auto err = j.getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(helpers)))) return err;

  if (object) {
    if (auto err = j.addObjectFile(std::move(object))) return err;
  } else {
    auto context = std::make_unique<llvm::LLVMContext>();
    std::string refused;
    std::unique_ptr<llvm::Module> module = lower_program(program, agreement.index(), *context, module_id, &refused);
    if (!module) return llvm::make_error<llvm::StringError>(refused, llvm::inconvertibleErrorCode());
    auto tm = machine.createTargetMachine();
    if (!tm) return tm.takeError();
    module->setDataLayout((*tm)->createDataLayout());
    module->setTargetTriple((*tm)->getTargetTriple().str());
    std::string broken;
    llvm::raw_string_ostream why(broken);
    if (llvm::verifyModule(*module, &why))
      return llvm::make_error<llvm::StringError>("internal error: invalid IR: " + why.str(),
                                                 llvm::inconvertibleErrorCode());
    optimise(*module, tm->get(), opt_level);
    if (auto err = j.addIRModule(llvm::orc::ThreadSafeModule(std::move(module), std::move(context))))
      return err;
  }

  code->functions.assign(program.functions.size(), nullptr);
  for (const DueItem& due : program.dues) {
    auto symbol = j.lookup(function_symbol(due.function));
    if (!symbol) return symbol.takeError();
    code->functions[due.function] = reinterpret_cast<NativeFunction>(static_cast<uintptr_t>(symbol->getAddress()));
  }
  const std::vector<uint32_t> code_of = service_code(program, agreement.index());
  code->services.resize(program.services.size());
  for (size_t service = 0; service < program.services.size(); ++service) {
    if (code_of[service] != service) {
      code->services[service] = code->services[code_of[service]];  // judged by the same rules
      continue;
    }
    auto symbol = j.lookup(service_symbol(service));
    if (!symbol) return symbol.takeError();
    code->services[service] = reinterpret_cast<NativeService>(static_cast<uintptr_t>(symbol->getAddress()));
  }
  return code;
}

std::mutex& cache_mutex() {
  static std::mutex m;
  return m;
}
// Never destroyed: the JITs inside stay valid until the process ends, whatever the order of
// static destruction.
std::map<Digest, std::shared_ptr<const NativeCode>>& in_process_cache() {
  static auto* cache = new std::map<Digest, std::shared_ptr<const NativeCode>>();
  return *cache;
}

}  // namespace

std::shared_ptr<const Agreement> compile(const Agreement& agreement, const Options& options, Stats* stats,
                                         std::string* error) {
  const auto started = std::chrono::steady_clock::now();
  Stats local;
  if (!stats) stats = &local;
  *stats = Stats{};
  std::string ignored;
  if (!error) error = &ignored;
  auto finish = [&](std::shared_ptr<const NativeCode> code, bool from_cache) -> std::shared_ptr<const Agreement> {
    stats->from_cache = from_cache;
    const std::vector<NativeService>& services = code->services;
    stats->functions = std::set<NativeService>(services.begin(), services.end()).size();
    for (NativeFunction f : code->functions) stats->functions += f != nullptr;
    stats->compile_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return Agreement::with_native_code(agreement, std::move(code));
  };

  if (options.opt_level < 0 || options.opt_level > 3) {
    *error = "jit: the optimisation level must be 0 to 3, not " + std::to_string(options.opt_level);
    return nullptr;
  }
  if (!init_native_target(error)) return nullptr;
  auto machine = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!machine) {
    *error = "jit: " + message_of(machine.takeError());
    return nullptr;
  }

  const Program& program = agreement.program();
  std::string material = code_signature();
  material += ";O" + std::to_string(options.opt_level) + ";" + machine->getTargetTriple().str() + ";" +
              machine->getCPU() + ";" + machine->getFeatures().getString() + ";";
  material += write_bytecode(program);
  const Digest key = sha256(material);
  const std::string module_id = "agr." + hex(key).substr(0, 16);

  std::lock_guard<std::mutex> lock(cache_mutex());
  auto& cache = in_process_cache();
  if (auto it = cache.find(key); it != cache.end()) return finish(it->second, true);

  std::unique_ptr<DiskCache> disk;
  if (!options.cache_dir.empty()) {
    std::string why;
    disk = DiskCache::open(options.cache_dir, &why);
    if (!disk) stats->notes.push_back("disk cache " + options.cache_dir + " not used: " + why + "; compiling in memory");
  }
  if (disk) {
    std::string why;
    std::optional<std::string> object = disk->read(key, &why);
    if (object) {
      auto from_disk = build(agreement, *machine, options.opt_level, module_id, nullptr,
                             llvm::MemoryBuffer::getMemBufferCopy(*object, module_id));
      if (from_disk) {
        cache.emplace(key, *from_disk);
        return finish(std::move(*from_disk), true);
      }
      why = "LLVM cannot load it: " + message_of(from_disk.takeError());
    }
    if (!why.empty()) {
      stats->notes.push_back("disk cache: entry " + disk->entry_name(key) + " discarded (" + why + "); recompiling");
      disk->discard(key);
    }
  }
  auto writer = disk ? std::make_unique<CacheWriter>(*disk, key) : nullptr;
  const CacheWriter* written = writer.get();
  auto compiled = build(agreement, *machine, options.opt_level, module_id, std::move(writer), nullptr);
  if (!compiled) {
    *error = "jit: " + message_of(compiled.takeError());
    return nullptr;
  }
  if (written && !written->problem().empty()) stats->notes.push_back(written->problem());
  cache.emplace(key, *compiled);
  return finish(std::move(*compiled), false);
}

}  // namespace agr::jit
