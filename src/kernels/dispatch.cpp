// Which kernel table runs: the widest level the CPU reports, or the one HYPERGRID_ISA forces.
// Compiled for the baseline, like everything outside src/kernels/level_*.cpp.

#include "hypergrid/errors.hpp"
#include "kernels/levels.hpp"

#include <cstdlib>
#include <string>

#if defined(HYPERGRID_KERNELS_X86_LEVELS)
#include <cpuid.h>
#endif
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace hypergrid::kernels {
namespace {

/// Whether this CPU (and its operating system) runs `level`'s instructions.
bool cpu_runs(const Table& level) {
#if defined(HYPERGRID_KERNELS_X86_LEVELS)
    __builtin_cpu_init();
    if (&level == &v4::table)  // x86-64-v4: what -march=x86-64-v4 lets the compiler use
        return __builtin_cpu_supports("x86-64-v4");
    if (&level == &v3::table) return __builtin_cpu_supports("x86-64-v3");
#endif
    return &level == &baseline::table;
}

/// Every level compiled in, widest first.
std::vector<const Table*> compiled_tables() {
#if defined(HYPERGRID_KERNELS_X86_LEVELS)
    return {&v4::table, &v3::table, &baseline::table};
#else
    return {&baseline::table};
#endif
}

const Table& choose() {
    const std::vector<const Table*> runnable = supported_tables();
    const char* forced = std::getenv("HYPERGRID_ISA");
    if (!forced || !*forced) return *runnable.front();
    std::string names;
    for (const Table* table : compiled_tables()) {
        names += std::string(names.empty() ? "" : "|") + table->name;
        if (table->name != std::string(forced)) continue;
        if (!cpu_runs(*table))
            throw InputError(std::string("HYPERGRID_ISA=") + forced + ": this CPU lacks the instructions of level " +
                             forced + " (it runs: " + runnable.front()->name + " and below)");
        return *table;
    }
    throw InputError(std::string("HYPERGRID_ISA=") + forced + ": unknown level, expected " + names);
}

/// Whether the CPU has AMX-BF16 and the kernel lets this process use the tiles (Linux asks each
/// process to request them once).
bool amx_usable() {
#if defined(HYPERGRID_KERNELS_X86_LEVELS) && defined(__linux__)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    const bool tile = (edx >> 24) & 1U, bf16 = (edx >> 22) & 1U;
    constexpr long kRequestPermission = 0x1023;  // ARCH_REQ_XCOMP_PERM
    constexpr long kTileData = 18;               // XFEATURE_XTILEDATA
    return tile && bf16 && ::syscall(SYS_arch_prctl, kRequestPermission, kTileData) == 0;
#else
    return false;
#endif
}

/// The bfloat16 training table: the first of supported_bf16_tables(), or the one HYPERGRID_BF16 names.
const Table& choose_bf16() {
    if (std::string(active_table().name) != "v4")
        throw InputError(std::string("precision = \"bf16\" needs level v4 (AVX-512) with AVX512_BF16 or AMX-BF16; ") +
                         (std::getenv("HYPERGRID_ISA") ? "HYPERGRID_ISA forces level " : "this CPU's widest is ") +
                         active_table().name);
    const std::vector<const Table*> runnable = supported_bf16_tables();
    const char* forced = std::getenv("HYPERGRID_BF16");
    if (!forced || !*forced) {
        if (runnable.empty())
            throw InputError("precision = \"bf16\" needs a CPU with AVX512_BF16 or AMX-BF16; this one has neither "
                             "(use precision = \"float32\")");
        return *runnable.front();
    }
    const std::string engine = std::string(forced) == "amx" ? "amx_bf16" : std::string(forced) == "avx512" ? "v4_bf16" : "";
    if (engine.empty()) throw InputError(std::string("HYPERGRID_BF16=") + forced + ": unknown engine, expected amx|avx512");
    for (const Table* table : runnable)
        if (table->name == engine) return *table;
    throw InputError(std::string("HYPERGRID_BF16=") + forced + ": this CPU lacks " +
                     (engine == "amx_bf16" ? "AMX-BF16, or the operating system does not grant its tiles" : "AVX512_BF16"));
}

}  // namespace

std::vector<const Table*> supported_tables() {
    std::vector<const Table*> tables;
    for (const Table* table : compiled_tables())
        if (cpu_runs(*table)) tables.push_back(table);
    return tables;
}

std::vector<const Table*> supported_bf16_tables() {
    std::vector<const Table*> tables;
#if defined(HYPERGRID_KERNELS_X86_LEVELS)
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("x86-64-v4")) return tables;
    static const bool amx = amx_usable();  // asks the operating system once
    if (amx) tables.push_back(&amx_bf16::table);
    if (__builtin_cpu_supports("avx512bf16")) tables.push_back(&v4_bf16::table);
#endif
    return tables;
}

const Table& reference_table() { return reference::table; }

const Table& active_table() {
    static const Table& table = choose();  // a throw leaves it unset: the next call throws again
    return table;
}

const Table& training_table(Precision precision) {
    if (precision == Precision::float32) return active_table();
    static const Table& table = choose_bf16();
    return table;
}

}  // namespace hypergrid::kernels
