#pragma once
/// @file config_fields.hpp
/// The resolved config's settings listed once, as summary.json shows them: config_to_json writes
/// this list, and the journal's fingerprint covers every setting flagged as changing results.

#include "hypergrid/config.hpp"

#include <string>

namespace hypergrid {

/// Whether a setting changes a sweep's results (which trials exist, or their numbers).
namespace config_flags {
constexpr unsigned none = 0;
/// Changes results; hashed by the journal's format-3 settings text (journal_header), frozen so that
/// existing journals keep resuming.
constexpr unsigned results_v3 = 1;
/// Changes results; hashed as results_settings_json. A new setting that changes results takes this.
constexpr unsigned results = 2;
}  // namespace config_flags

/// Calls visit.section(name, body) for each object and visit(name, value, flags) for each setting,
/// in summary.json's order. Values: DataSource, std::optional<double>, double, integers, bool, vectors
/// of numbers, std::string.
template <class Visit>
void describe_config(const RunConfig& config, Visit&& visit) {
    using namespace config_flags;
    const DataConfig& data = config.data;
    const GridConfig& grid = config.grid;
    const RunSettings& run = config.run;
    visit.section("data", [&] {
        visit("train", data.train, none);  // the data count by their digests, not their paths
        visit("test", data.test, none);
        visit("scale", data.scale, results_v3);  // null: the default depends on the file type
        visit("validation_fraction", data.validation_fraction, results_v3);
        visit("limit_train", data.limit_train, results_v3);
        visit("limit_test", data.limit_test, results_v3);
        if (data.folds > 0) visit("folds", data.folds, results);  // k-fold (folds.hpp)
    });
    visit.section("grid", [&] {
        visit("epochs", grid.epochs, results_v3);
        visit("alpha", grid.alpha, results_v3);
        visit("learning_rate", grid.learning_rate, results_v3);
        visit("batch_size", grid.batch_size, results_v3);
    });
    visit.section("search", [&] {
        visit("mode", std::string(grid.halving ? "halving" : grid.random ? "random" : "grid"), results_v3);
        if (grid.halving) visit("factor", grid.factor, results);  // also tells halving's journals from a grid's
        if (!grid.random && grid.samples == 0) return;
        // Halving with samples draws as random mode does; the frozen format-3 text covers random mode only.
        const unsigned drawn = grid.random ? results_v3 : results;
        visit("samples", grid.samples, drawn);
        visit("seed", grid.search_seed, drawn);
        visit.section("ranges", [&] {
            const char* const names[] = {"epochs", "alpha", "learning_rate", "batch_size"};
            for (std::size_t axis = 0; axis < 4; ++axis) {
                if (!grid.ranges[axis]) continue;
                visit.section(names[axis], [&] {
                    visit("start", grid.ranges[axis]->start, drawn);
                    visit("stop", grid.ranges[axis]->stop, drawn);
                    visit("scale", std::string(grid.ranges[axis]->log ? "log" : "linear"), drawn);
                });
            }
        });
    });
    visit.section("run", [&] {
        visit("seed", run.seed, results_v3);
        visit("output", run.output.string(), none);
        visit("models_per_unit", run.models_per_unit, none);  // packing never changes a trial's numbers
        visit("schedule", std::string(run.dynamic_schedule ? "dynamic" : "static"), none);
        // bfloat16 products change the numbers; float32 runs keep the fingerprint they always had
        if (run.precision == kernels::Precision::bf16) visit("precision", std::string("bf16"), results);
        // What the sweep records, not its numbers: the journal's header carries it (journal.hpp).
        visit("curves", run.curves, none);
    });
}

/// The settings flagged config_flags::results, as a JSON object in config_to_json's form without
/// the sections left empty; empty text when there are none.
std::string results_settings_json(const RunConfig& config);

}  // namespace hypergrid
