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
/// in summary.json's order. Values: DataSource, std::optional<double>, double, integers, vectors of
/// numbers, std::string.
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
    });
    visit.section("grid", [&] {
        visit("epochs", grid.epochs, results_v3);
        visit("alpha", grid.alpha, results_v3);
        visit("learning_rate", grid.learning_rate, results_v3);
        visit("batch_size", grid.batch_size, results_v3);
    });
    visit.section("search", [&] {
        visit("mode", std::string(grid.random ? "random" : "grid"), results_v3);
        if (!grid.random) return;
        visit("samples", grid.samples, results_v3);
        visit("seed", grid.search_seed, results_v3);
        visit.section("ranges", [&] {
            const char* const names[] = {"epochs", "alpha", "learning_rate", "batch_size"};
            for (std::size_t axis = 0; axis < 4; ++axis) {
                if (!grid.ranges[axis]) continue;
                visit.section(names[axis], [&] {
                    visit("start", grid.ranges[axis]->start, results_v3);
                    visit("stop", grid.ranges[axis]->stop, results_v3);
                    visit("scale", std::string(grid.ranges[axis]->log ? "log" : "linear"), results_v3);
                });
            }
        });
    });
    visit.section("run", [&] {
        visit("seed", run.seed, results_v3);
        visit("output", run.output.string(), none);
        visit("models_per_unit", run.models_per_unit, none);  // packing never changes a trial's numbers
        visit("schedule", std::string(run.dynamic_schedule ? "dynamic" : "static"), none);
    });
}

/// The settings flagged config_flags::results, as a JSON object in config_to_json's form without
/// the sections left empty; empty text when there are none.
std::string results_settings_json(const RunConfig& config);

}  // namespace hypergrid
