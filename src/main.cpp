// hypergrid: a distributed grid search for softmax regression.
// main reads as the phases of a run; the work lives in the functions it calls.

#include "hypergrid/cluster.hpp"
#include "hypergrid/config.hpp"
#include "hypergrid/errors.hpp"
#include "hypergrid/grid.hpp"
#include "hypergrid/outputs.hpp"
#include "hypergrid/plan.hpp"
#include "hypergrid/plan_report.hpp"
#include "hypergrid/progress.hpp"
#include "hypergrid/training.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <optional>

namespace hg = hypergrid;

namespace {

struct Options {
    std::string config;
    std::string output;  // overrides [run] output when set
    int plan_ranks = 1;
};

/// Wall time of each phase, in order, for summary.json.
class PhaseClock {
public:
    void lap(const char* phase) {
        const auto now = std::chrono::steady_clock::now();
        laps_.emplace_back(phase, std::chrono::duration<double>(now - last_).count());
        last_ = now;
    }
    std::vector<std::pair<std::string, double>> laps() const {
        auto all = laps_;
        all.emplace_back("total", std::chrono::duration<double>(last_ - start_).count());
        return all;
    }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_ = start_;
    std::vector<std::pair<std::string, double>> laps_;
};

/// The node leader's read of the training and test sets.
std::vector<hg::Dataset> load_datasets(const hg::RunConfig& config) {
    std::vector<hg::Dataset> data;
    data.push_back(hg::load_dataset(config.data.train, config.data.scale));
    data.push_back(hg::load_dataset(config.data.test, config.data.scale));
    const hg::DataSource& test = config.data.test;
    if (data[1].dims != data[0].dims)
        throw hg::InputError((test.csv.empty() ? test.images : test.csv).string() + ": " +
                             std::to_string(data[1].dims) + " features per example, but the training set has " +
                             std::to_string(data[0].dims));
    return data;
}

hg::TrainingData training_data(const std::vector<hg::DatasetView>& views, const hg::RunConfig& config) {
    hg::TrainingData data;
    data.split = hg::split_train_validation(views[0], config.data.validation_fraction, config.data.limit_train);
    const std::int64_t tests = config.data.limit_test > 0 ? std::min(config.data.limit_test, views[1].count) : views[1].count;
    data.test = views[1].slice(0, tests);
    data.classes = hg::count_classes({data.split.all, data.test});
    data.seed = config.run.seed;
    return data;
}

/// Runs the sweep. `alone` becomes true once rank 0 is the only rank still working, from which point
/// a failure there needs no abort: the other ranks are already finishing.
int run(hg::Cluster& cluster, const Options& options, bool& alone) {
    PhaseClock clock;
    std::ostream* log = cluster.is_root() ? &std::cout : nullptr;

    // 1. Configuration: every rank reads and validates the same file; rank 0 prepares the output.
    hg::RunConfig config;
    cluster.agree([&] {
        config = hg::load_config(options.config);
        if (!options.output.empty()) config.run.output = options.output;
        if (cluster.is_root()) hg::prepare_output_directory(config.run.output);
    });
    clock.lap("configure");

    // 2. Data: read once per node into shared memory; every rank trains on that copy.
    hg::NodeSharedData shared;
    cluster.share_per_node([&] { return load_datasets(config); }, shared);
    hg::TrainingData data;
    cluster.agree([&] { data = training_data(shared.views(), config); });
    clock.lap("load");

    // 3. Plan: units of work from the grid alone, spread over the ranks longest first.
    const hg::Grid grid(config.grid);
    const std::vector<hg::WorkUnit> units = hg::make_units(grid, config.run.models_per_unit, data.split.train.count,
                                                           hg::min_units_for(cluster.size()));
    const auto plan = hg::units_per_rank(hg::unit_costs(units), cluster.size());
    if (log)
        *log << "hypergrid " << HYPERGRID_VERSION << ": " << grid.size() << " trials in " << units.size()
             << " units on " << cluster.size() << " ranks; " << data.split.train.count << " train, "
             << data.split.validation.count << " validation, " << data.test.count << " test examples, "
             << data.split.train.dims << " features, " << data.classes << " classes" << std::endl;

    // 4. Sweep: each rank trains its units; results stream to rank 0 as they finish.
    hg::SweepProgress progress(grid.size(), log);
    cluster.run_and_collect(
        [&](const hg::Cluster::Report& report, const std::function<void()>& poll) {
            for (const std::size_t unit : plan[static_cast<std::size_t>(cluster.rank())])
                hg::train_unit(units[unit], data, cluster.rank(), report, poll);
        },
        grid.size(), [&](const std::vector<hg::TrialResult>& results) { progress.add(results); });
    clock.lap("sweep");
    std::vector<double> peak_memory = cluster.gather_to_root(hg::peak_resident_mb());
    if (!cluster.is_root()) return 0;
    alone = true;

    // 5. Select the best trial and retrain it on train + validation; evaluate the test set.
    hg::RunSummary summary;
    summary.best = progress.best();
    if (summary.best) summary.final_model = hg::train_final(summary.best->hyper, data);
    clock.lap("final");

    // 6. Report: trials.csv, summary.json, weights.npy, bias.npy.
    summary.config_json = hg::config_to_json(config);
    peak_memory[0] = hg::peak_resident_mb();  // rank 0 again, now that the final model is trained too
    summary.peak_memory_mb = peak_memory;
    summary.ranks = cluster.size();
    summary.trials = grid.size();
    summary.phase_seconds = clock.laps();
    hg::write_run_outputs(config.run.output, progress.results(), summary);
    if (summary.best)
        std::cout << "best: trial " << summary.best->trial << " (" << summary.best->hyper << ") val_cost "
                  << summary.best->val_cost << "; test accuracy " << 100 * summary.final_model->test.accuracy
                  << "%, cross-entropy " << summary.final_model->test.cross_entropy << "; outputs in "
                  << config.run.output.string() << std::endl;
    else
        std::cout << "every trial diverged: no final model; outputs in " << config.run.output.string() << std::endl;
    return 0;
}

int plan(const Options& options) {
    const hg::RunConfig config = hg::load_config(options.config);
    const hg::Grid grid(config.grid);
    const auto units = hg::make_units(grid, config.run.models_per_unit, 1, hg::min_units_for(options.plan_ranks));
    std::cout << hg::format_plan_report(grid, units, options.plan_ranks);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    hg::Cluster cluster(argc, argv);
    CLI::App app{"hypergrid: distributed grid search for softmax regression"};
    app.set_version_flag("--version", std::string("hypergrid ") + HYPERGRID_VERSION);
    app.require_subcommand(0, 1);
    Options options;
    CLI::App* run_command = app.add_subcommand("run", "Run the sweep of CONFIG, train the best model, write outputs");
    run_command->add_option("config", options.config, "TOML config file")->required();
    run_command->add_option("--output", options.output, "Output directory (overrides [run] output)");
    CLI::App* plan_command = app.add_subcommand("plan", "Print the units of work and the balance per rank, train nothing");
    plan_command->add_option("config", options.config, "TOML config file")->required();
    plan_command->add_option("--ranks", options.plan_ranks, "Number of ranks to plan for")->check(CLI::Range(1, 1 << 20));

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        if (cluster.is_root()) app.exit(e);
        return 0;
    } catch (const CLI::ParseError& e) {
        if (cluster.is_root()) std::cerr << "hypergrid: " << e.what() << " (see hypergrid --help)" << std::endl;
        return 2;
    }

    if (!*run_command && !*plan_command) {
        if (cluster.is_root()) std::cerr << "hypergrid: a command is required: run or plan (see hypergrid --help)" << std::endl;
        return 2;
    }

    // A failure on one rank while the others still work must end them all (abort); a failure that every
    // rank agreed on, or one on rank 0 when it works alone, ends normally with its exit code.
    bool alone = plan_command->parsed();
    int exit_code = 1;
    try {
        if (*plan_command) return cluster.is_root() ? plan(options) : 0;
        return run(cluster, options, alone);
    } catch (const hg::RankFailure& e) {
        if (cluster.is_root()) std::cerr << "hypergrid: " << e.what() << std::endl;
        return e.exit_code();
    } catch (const hg::InputError& e) {
        std::cerr << "hypergrid: " << e.what() << std::endl;
        exit_code = 2;
    } catch (const std::exception& e) {
        std::cerr << "hypergrid: " << (alone ? "" : "rank " + std::to_string(cluster.rank()) + ": ") << e.what()
                  << std::endl;
    }
    if (!alone) cluster.abort(exit_code);
    return exit_code;
}
