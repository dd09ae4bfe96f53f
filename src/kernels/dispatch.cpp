// Which kernel table runs: the widest level the CPU reports, or the one HYPERGRID_ISA forces.
// Compiled for the baseline, like everything outside src/kernels/level_*.cpp.

#include "hypergrid/errors.hpp"
#include "kernels/levels.hpp"

#include <cstdlib>
#include <string>

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

}  // namespace

std::vector<const Table*> supported_tables() {
    std::vector<const Table*> tables;
    for (const Table* table : compiled_tables())
        if (cpu_runs(*table)) tables.push_back(table);
    return tables;
}

const Table& reference_table() { return reference::table; }

const Table& active_table() {
    static const Table& table = choose();  // a throw leaves it unset: the next call throws again
    return table;
}

}  // namespace hypergrid::kernels
