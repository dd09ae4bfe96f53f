// hypergrid: a distributed grid search for softmax regression.
// main reads as the phases of a run; the work lives in the functions it calls.

#include "hypergrid/cluster.hpp"
#include "hypergrid/config.hpp"
#include "hypergrid/errors.hpp"
#include "hypergrid/fault.hpp"
#include "hypergrid/folds.hpp"
#include "hypergrid/grid.hpp"
#include "hypergrid/halving_sweep.hpp"
#include "hypergrid/html_report.hpp"
#include "hypergrid/io/atomic_file.hpp"
#include "hypergrid/journal.hpp"
#include "hypergrid/kernels.hpp"
#include "hypergrid/leg_timeline.hpp"
#include "hypergrid/node_shared_data.hpp"
#include "hypergrid/outputs.hpp"
#include "hypergrid/plan.hpp"
#include "hypergrid/plan_report.hpp"
#include "hypergrid/predict.hpp"
#include "hypergrid/progress.hpp"
#include "hypergrid/stop_signal.hpp"
#include "hypergrid/sweep.hpp"
#include "hypergrid/sweep_policy.hpp"
#include "hypergrid/training.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <set>

namespace hg = hypergrid;

namespace {

struct Options {
    std::string config;
    std::string output;  // overrides [run] output when set
    bool resume = false;
    std::string shard = "0/1";
    int plan_ranks = 1;
    std::vector<std::string> shard_dirs;  // finalize
    std::string progress = "auto";        // run: auto, lines, bar or none
    std::string report_dir, report_file;  // report
    hg::PredictRequest predict;
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

/// Halving's rungs each depend on every configuration's result, so its work cannot be cut into
/// independent shards.
constexpr const char* kHalvingShardError =
    "--shard: search.mode = \"halving\" runs in one job (each rung depends on every configuration of the one "
    "before): run it without --shard";

/// "K/N" with 0 <= K < N.
std::pair<int, int> parse_shard(const std::string& text) {
    int shard = -1, shards = 0;
    char slash = 0;
    std::istringstream in(text);
    if (!(in >> shard >> slash >> shards) || slash != '/' || !in.eof() || shards < 1 || shard < 0 || shard >= shards)
        throw hg::InputError("--shard: expected K/N with 0 <= K < N, got '" + text + "'");
    return {shard, shards};
}

hg::RunConfig load_run_config(const Options& options) {
    hg::fault_point("configure");
    hg::RunConfig config = hg::load_config(options.config);
    if (!options.output.empty()) config.run.output = options.output;
    return config;
}

/// The run's datasets: 0 the training set, 1 the test set.
constexpr std::size_t kDatasets = 2;

/// Dataset i's files, read and checked.
hg::ReadDataset read_data_files(const hg::RunConfig& config, std::size_t i) {
    hg::fault_point("load");
    return hg::read_dataset(i == 0 ? config.data.train : config.data.test, config.data.scale);
}

/// The training and test sets, decoded into this process's memory.
std::vector<hg::Dataset> load_datasets(const hg::RunConfig& config) {
    std::vector<hg::Dataset> data;
    for (std::size_t i = 0; i < kDatasets; ++i) data.push_back(read_data_files(config, i).decode());
    return data;
}

/// What a run trains and tests on, from its datasets' views; checks that they fit together.
void check_same_features(std::int64_t train_dims, std::int64_t test_dims, const hg::RunConfig& config) {
    const hg::DataSource& test = config.data.test;
    if (test_dims != train_dims)
        throw hg::InputError((test.csv.empty() ? test.images : test.csv).string() + ": " + std::to_string(test_dims) +
                             " features per example, but the training set has " + std::to_string(train_dims));
}

hg::TrainingData training_data(const std::vector<hg::DatasetView>& views, const hg::RunConfig& config) {
    check_same_features(views[0].dims, views[1].dims, config);
    hg::TrainingData data;
    if (config.data.folds > 0) {  // k-fold: every example validates once (folds.hpp)
        const std::int64_t n = config.data.limit_train > 0 ? std::min(config.data.limit_train, views[0].count) : views[0].count;
        hg::check_folds(config.data.folds, n);
        data.split = {views[0].slice(0, n), views[0].slice(n, 0), views[0].slice(0, n)};
        data.folds = config.data.folds;
    } else {
        data.split = hg::split_train_validation(views[0], config.data.validation_fraction, config.data.limit_train);
    }
    const std::int64_t tests = config.data.limit_test > 0 ? std::min(config.data.limit_test, views[1].count) : views[1].count;
    data.test = views[1].slice(0, tests);
    data.classes = hg::count_classes({data.split.all, data.test});
    data.seed = config.run.seed;
    data.precision = config.run.precision;
    data.curves = config.run.curves;
    return data;
}

/// The final model's training set (train + validation) relative to the sweep's (train).
double final_scale(const hg::TrainingData& data) {
    return static_cast<double>(data.split.all.count) / static_cast<double>(std::max<std::int64_t>(data.sweep_train_examples(), 1));
}

/// legs.csv's rows, on rank 0: when each leg and final model ran, on the sweep's clock.
struct SweepTimeline {
    std::chrono::steady_clock::time_point start;
    std::vector<hg::LegTiming> timings;

    double now() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
    void add_final(int rank, double from, double to) { timings.push_back({rank, -1, -1, true, from, to}); }
};

/// The sweep's legs and final models trained ahead, as legs.csv lists them. Successive halving
/// sweeps once per rung: each rung's legs and units follow the ones before (`legs_before`,
/// `units_before`), on the first sweep's clock.
void add_to_timeline(SweepTimeline& timeline, const hg::SweepOutcome& sweep, const std::vector<hg::Leg>& legs,
                     std::int64_t legs_before = 0, std::int64_t units_before = 0) {
    const double shift = std::chrono::duration<double>(sweep.start - timeline.start).count();
    for (const hg::WorkSpan& span : sweep.spans) {
        if (span.side) {
            timeline.add_final(span.rank, shift + span.start, shift + span.end);
        } else {
            const auto unit = static_cast<std::int64_t>(legs[static_cast<std::size_t>(span.id)].unit);
            timeline.timings.push_back({span.rank, legs_before + span.id, units_before + unit, false, shift + span.start, shift + span.end});
        }
    }
}

std::filesystem::path journal_path(const hg::RunConfig& config) { return config.run.output / "journal.jsonl"; }

/// Writes every output and says where they are. A complete sweep first retrains its best trial on
/// train + validation (the final model); a stopped sweep or a shard writes what it has.
/// `trained_ahead` holds final models that idle ranks trained during the sweep, by trial. A sweep's
/// `timeline` (legs.csv) gains the final model when rank 0 trains it here.
void finish(const hg::RunConfig& config, const hg::SweepProgress& progress, const hg::TrainingData& data,
            hg::RunSummary summary, PhaseClock& clock, const std::map<std::int64_t, hg::SoftmaxModel>& trained_ahead = {},
            SweepTimeline* timeline = nullptr, const hg::HalvingSchedule* halving = nullptr) {
    const bool final_model = summary.complete && summary.shard == "0/1";
    if (final_model) {
        hg::enter_phase("final");
        // Successive halving's winner is the best of its last rung, not of every row.
        summary.best = halving ? hg::halving_best_of_last_rung(*halving, progress.results()) : progress.best();
        if (summary.best) {
            const auto ahead = trained_ahead.find(summary.best->trial);
            summary.final_trained_ahead = ahead != trained_ahead.end();
            const double start = timeline ? timeline->now() : 0;
            hg::SoftmaxModel model =
                summary.final_trained_ahead ? ahead->second : hg::train_final_model(summary.best->hyper, data);
            if (timeline && !summary.final_trained_ahead) timeline->add_final(0, start, timeline->now());
            summary.final_model = hg::test_final_model(std::move(model), data);
        }
        clock.lap("final");
    }
    hg::enter_phase("outputs");
    summary.config_json = hg::config_to_json(config);
    summary.data = hg::data_counts(data);
    summary.isa = hg::kernels::training_table(config.run.precision).name;
    summary.trials_csv.val_cost_std = config.data.folds > 0;
    if (halving) summary.trials_csv.rung_epochs = halving->rung_epochs();
    summary.trials = progress.total();
    summary.finished = progress.done();
    summary.phase_seconds = clock.laps();
    hg::write_run_outputs(config.run.output, progress.results(), summary);
    // The timeline, for the report: after the results proper (summary.json last among those).
    if (timeline) hg::write_file_atomic(config.run.output / "legs.csv", hg::format_legs_csv(timeline->timings));
    // The report is drawn from the records just written; a failure there loses no result.
    try {
        hg::write_html_report(config.run.output);
    } catch (const std::exception& e) {
        std::cerr << "hypergrid: warning: report.html not written: " << e.what() << std::endl;
    }
    const std::string where = "; outputs in " + config.run.output.string();
    if (!summary.complete)
        std::cout << "stopped by a signal: " << progress.done() << " of " << progress.total()
                  << " trials done; continue with --resume" << where << std::endl;
    else if (!final_model)
        std::cout << "shard " << summary.shard << " done; merge the shards with hypergrid finalize" << where << std::endl;
    else if (summary.best)
        std::cout << "best: trial " << summary.best->trial << " (" << summary.best->hyper << ") val_cost "
                  << summary.best->val_cost << "; test accuracy " << 100 * summary.final_model->test.accuracy
                  << "%, cross-entropy " << summary.final_model->test.cross_entropy << where << std::endl;
    else
        std::cout << "every trial diverged: no final model" << where << std::endl;
}

/// Steps 4-5 of a run, once or once per halving rung: plans the trials still owed into units of work
/// cut into legs that balance the ranks (every rank computes the same plan; a failure is agreed on),
/// and sweeps them, results streaming to rank 0's `record`. Ranks left without units at the end
/// train the final model ahead, for the best trial so far. What the sweeps share lives here.
class Sweeper {
public:
    Sweeper(hg::Cluster& cluster, const hg::RunConfig& config, const hg::TrainingData& data, const hg::Grid& grid,
            const hg::HalvingSchedule* halving, int shard, int shards, std::ostream* log, std::size_t journaled,
            hg::SweepProgress* progress, std::function<void(const hg::EpochReport&)> record)
        : cluster_(cluster), config_(config), data_(data), grid_(grid), halving_(halving), shard_(shard), shards_(shards),
          log_(log), journaled_(journaled), progress_(progress), record_(std::move(record)) {}

    /// Sweeps the trials `owed_done` does not mark done (with halving, those of `rung`); false when
    /// a signal stopped it.
    bool sweep(const std::vector<bool>& owed_done, const hg::RungSweep& rung) {
        hg::enter_phase("plan");
        std::optional<hg::WorkPlan> planned_work;
        std::vector<hg::Leg> legs;
        cluster_.agree([&] {
            planned_work.emplace(grid_, data_.classes, config_.run.models_per_unit, data_.sweep_train_examples(),
                                 hg::packing_for(cluster_.size(), shards_ == 1 ? final_scale(data_) : 0),
                                 hg::WorkFilter{shard_, shards_, &owed_done, data_.folds, rung.from_epoch});
            legs = planned_work->legs(cluster_.size());
            hg::fault_point("plan");
        });
        const hg::WorkPlan& plan = *planned_work;
        hg::UnitQueue queue(legs, cluster_.size(), config_.run.dynamic_schedule);
        if (log_) print_start_line(plan, legs, rung);

        hg::enter_phase("sweep");
        hg::SweepWork work;
        work.next = [&](int rank) { return queue.next(rank); };
        work.run = [&](std::int64_t leg, const hg::Report& report, const hg::Poll& poll, const hg::Relay& relay) {
            const hg::Leg& planned = legs[static_cast<std::size_t>(leg)];
            const hg::WorkUnit unit = plan.unit(planned);
            hg::LegLinks links{[&] { return relay.receive(planned.after); },
                               [&](hg::TrainedState state) { relay.hand_over(leg, std::move(state)); }, {}, {}};
            if (halving_) hg::link_rung(unit, *halving_, rung, data_.folds, relay.receive, relay.hand_over, links);
            hg::train_unit(unit, data_, cluster_.rank(), report, poll, links);
        };
        work.collect = record_;
        work.stop_requested = hg::stop_requested;
        work.queued = hg::queue_depth(legs.size(), cluster_.size());
        work.side.pick = [&] {
            // Halving: only in the last rung, whose best is the winner (a side task holds its sweep's end).
            std::optional<hg::TrialResult> best;
            if (!halving_) best = progress_->best();
            else if (!rung.keep) best = hg::halving_best_of_last_rung(*halving_, progress_->results());
            if (halving_ && best && halving_->rung(best->trial) != rung.rung) best.reset();
            return shards_ == 1 && best ? best->trial : std::int64_t{-1};
        };
        work.side.run = [&](std::int64_t trial, const hg::Poll& poll) {
            const auto start = std::chrono::steady_clock::now();
            const hg::SoftmaxModel model = hg::train_final_model(grid_.at(trial), data_, poll);
            return hg::TrainedState{hg::flatten(model),
                                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
        };
        work.side.done = [&](std::int64_t trial, const hg::TrainedState& model) {
            trained_ahead[trial] = hg::unflatten(model.values, data_.split.all.dims, data_.classes);
        };
        const hg::SweepOutcome outcome = hg::run_sweep(cluster_, work, handed_over);
        if (!timeline) timeline = SweepTimeline{outcome.start, {}};
        add_to_timeline(*timeline, outcome, legs, legs_before_, units_before_);
        legs_before_ += static_cast<std::int64_t>(legs.size());
        units_before_ += static_cast<std::int64_t>(plan.size());
        return outcome.complete;
    }

    std::map<std::int64_t, hg::SoftmaxModel> trained_ahead;  ///< rank 0's final models trained ahead, by trial
    hg::StateStore handed_over;                              ///< rank 0's: states handed over and not yet taken
    std::optional<SweepTimeline> timeline;                   ///< rank 0's legs.csv, on the first sweep's clock

private:
    /// "hypergrid VERSION: N trials ... on R ranks; the data; kernels K", and the rung with halving.
    void print_start_line(const hg::WorkPlan& plan, const std::vector<hg::Leg>& legs, const hg::RungSweep& rung) const {
        const hg::TrainingData& d = data_;
        *log_ << "hypergrid " << HYPERGRID_VERSION << ": " << grid_.size() << " trials (shard " << shard_ << "/" << shards_
              << ", " << journaled_ << " already in the journal) in " << plan.size() << " units (" << legs.size()
              << " legs) on " << cluster_.size() << " ranks; "
              << (d.folds > 0 ? std::to_string(d.split.all.count) + " train in " + std::to_string(d.folds) + " folds, "
                              : std::to_string(d.split.train.count) + " train, " + std::to_string(d.split.validation.count) + " validation, ")
              << d.test.count << " test examples, " << d.split.train.dims << " features, " << d.classes
              << " classes; kernels " << hg::kernels::training_table(config_.run.precision).name
              << (halving_ ? hg::describe(rung, *halving_) : std::string()) << std::endl;
    }

    hg::Cluster& cluster_;
    const hg::RunConfig& config_;
    const hg::TrainingData& data_;
    const hg::Grid& grid_;
    const hg::HalvingSchedule* halving_;
    int shard_, shards_;
    std::ostream* log_;
    std::size_t journaled_;         // trials (fold models, with k-fold) the journal already held
    hg::SweepProgress* progress_;   // rank 0's records
    std::function<void(const hg::EpochReport&)> record_;
    std::int64_t legs_before_ = 0, units_before_ = 0;  // halving: the rungs before, in legs.csv
};

/// Runs the sweep. `alone` becomes true once rank 0 is the only rank still working, from which point
/// a failure there needs no abort: the other ranks are already finishing.
int run(hg::Cluster& cluster, const Options& options, bool& alone) {
    PhaseClock clock;
    std::ostream* log = cluster.is_root() ? &std::cout : nullptr;
    hg::install_stop_handlers();

    // 1. Configuration: every rank reads and validates the same file; rank 0 prepares the output.
    hg::enter_phase("configure");
    hg::RunConfig config;
    int shard = 0, shards = 1;
    cluster.agree([&] {
        config = load_run_config(options);
        std::tie(shard, shards) = parse_shard(options.shard);
        hg::kernels::training_table(config.run.precision);  // each rank: the widest level of its CPU, or HYPERGRID_ISA's
        if (config.grid.halving && shards > 1) throw hg::InputError(kHalvingShardError);
        if (!cluster.is_root()) return;
        hg::prepare_output_directory(config.run.output);
        if (!options.resume && std::filesystem::exists(journal_path(config)))
            throw hg::InputError(journal_path(config).string() +
                                 ": a sweep was already started here: pass --resume to continue it, or choose "
                                 "another --output");
    });
    clock.lap("configure");

    // 2. Data: read once per node into shared memory; every rank trains on that copy.
    hg::enter_phase("load");
    double feature_scale = 0;  // the training set's divisor, for the final model: rank 0 reads that set
    const hg::NodeSharedData shared(cluster, kDatasets, [&](std::size_t i) {
        hg::ReadDataset files = read_data_files(config, i);
        if (i == 0) feature_scale = files.divisor;
        return files;
    });
    hg::TrainingData data;
    cluster.agree([&] {
        data = training_data(shared.views(), config);
        data.feature_scale = feature_scale;
    });
    clock.lap("load");

    // 3. Journal: rank 0 resumes from it and appends every result the moment it arrives.
    hg::enter_phase("journal");
    const hg::Grid grid(config.grid);
    std::optional<hg::HalvingSchedule> halving;  // successive halving's rungs
    if (config.grid.halving) halving.emplace(grid, config.grid.factor);
    std::optional<hg::SweepProgress> progress;  // rank 0's records
    std::optional<hg::JournalWriter> journal;
    std::optional<hg::FoldAggregator> fold_records;  // k-fold: rank 0's fold results, folded into trials
    if (data.folds > 0) fold_records.emplace(data.folds);
    std::vector<hg::CurvePoint> curve;  // rank 0's: [run] curves
    const int models_per_trial = std::max(data.folds, 1);
    std::vector<std::int64_t> done_ids;  // by trial * models_per_trial + fold
    cluster.agree([&] {
        if (!cluster.is_root()) return;
        const hg::JournalHeader header = hg::journal_header(config, shared.digests(), grid.size(), shard, shards);
        journal.emplace(journal_path(config), header);  // locks it before anything is read
        hg::io::remove_stale_temporary_files(config.run.output);  // the lock says no other run writes here
        progress.emplace(grid.size(), log, hg::parse_progress_style(options.progress), hg::stdout_is_terminal());
        if (halving) progress->expect_total(hg::halving_trial_count(*halving));  // fewer trials than ids
        const std::vector<hg::TrialResult> journaled = hg::read_journal(journal_path(config), header, &curve);
        progress->restore(fold_records ? fold_records->add(journaled) : journaled);
        for (const hg::TrialResult& r : journaled) done_ids.push_back(r.trial * models_per_trial + std::max(r.fold, 0));
    });
    cluster.broadcast_from_root(done_ids);
    std::vector<bool> done(static_cast<std::size_t>(grid.size() * models_per_trial));
    for (const std::int64_t id : done_ids) done[static_cast<std::size_t>(id)] = true;

    // Rank 0 journals every result at once; with k-fold a trial is recorded when its last fold
    // arrives. Curve points go to the journal with the trials after them.
    const auto record = [&](const hg::EpochReport& report) {
        curve.insert(curve.end(), report.curve.begin(), report.curve.end());
        if (!fold_records) return journal->append(progress->add(report.trials), report.curve);
        std::vector<hg::TrialResult> fresh;
        const std::vector<hg::TrialResult> trials = fold_records->add(report.trials, &fresh);
        journal->append(fresh, report.curve);
        progress->add(trials);
    };

    // 4-5. Plan and sweep: the trials still owed packed into units of work, cut into legs that
    //    balance the ranks; results stream to rank 0, which journals them at once. Successive
    //    halving sweeps once per rung, its models waiting between rungs in rank 0's store.
    Sweeper sweeper{cluster, config, data, grid, halving ? &*halving : nullptr, shard, shards, log, done_ids.size(),
                    progress ? &*progress : nullptr, record};
    bool complete = true;
    if (!halving) {
        complete = sweeper.sweep(done, {});
    } else {
        while (complete) {  // rank 0 decides each rung's work from the results; every rank sweeps it
            std::vector<std::int64_t> next;
            if (cluster.is_root())
                next = hg::next_rung_sweep(*halving, progress->results(), fold_records ? &*fold_records : nullptr, data.folds,
                                           sweeper.handed_over).encode();
            cluster.broadcast_from_root(next);
            const hg::RungSweep rung = hg::RungSweep::decode(next);
            if (rung.finished) break;
            complete = sweeper.sweep(hg::rung_done_mask(*halving, rung, done, data.folds), rung);
        }
    }
    clock.lap("sweep");
    std::vector<double> peak_memory = cluster.gather_to_root(hg::peak_resident_mb());
    if (!cluster.is_root()) return complete ? 0 : hg::kExitStopped;
    alone = true;
    progress->finish_display();

    // 6. Report: the final model on train + validation, test metrics, and the output files. A
    //    stopped sweep or a shard writes what it has and trains no final model.
    if (complete && shards == 1 && !halving && progress->done() != grid.size())
        throw std::logic_error("the sweep ended without every trial");
    hg::RunSummary summary;
    summary.peak_memory_mb = peak_memory;
    summary.ranks = cluster.size();
    summary.shard = std::to_string(shard) + "/" + std::to_string(shards);
    summary.complete = complete;
    if (fold_records) summary.fold_results = fold_records->fold_results();
    if (config.run.curves) summary.curve_points = std::move(curve);
    if (!sweeper.timeline) sweeper.timeline = SweepTimeline{std::chrono::steady_clock::now(), {}};  // halving resumed when done
    finish(config, *progress, data, summary, clock, sweeper.trained_ahead, &*sweeper.timeline, halving ? &*halving : nullptr);
    return complete ? 0 : hg::kExitStopped;
}

/// Merges the shards' journals, then trains and reports the final model as a single run would.
int finalize(hg::Cluster& cluster, const Options& options) {
    if (!cluster.is_root()) return 0;
    PhaseClock clock;
    hg::enter_phase("configure");
    const hg::RunConfig config = load_run_config(options);
    hg::prepare_output_directory(config.run.output);
    hg::io::remove_stale_temporary_files(config.run.output);
    hg::enter_phase("load");
    const std::vector<hg::Dataset> datasets = load_datasets(config);
    const std::vector<hg::DatasetView> views = {datasets[0].view(), datasets[1].view()};
    hg::TrainingData data = training_data(views, config);
    data.feature_scale = datasets[0].divisor;
    const hg::Grid grid(config.grid);
    clock.lap("load");

    hg::enter_phase("merge");
    if (config.grid.halving) throw hg::InputError(kHalvingShardError);
    hg::SweepProgress progress(grid.size(), nullptr);
    std::optional<hg::FoldAggregator> fold_records;
    if (data.folds > 0) fold_records.emplace(data.folds);
    std::vector<hg::CurvePoint> curve;  // [run] curves: every shard's points
    std::set<int> seen;
    int shards = 0;
    for (const std::string& dir : options.shard_dirs) {
        const std::filesystem::path file = std::filesystem::path(dir) / "journal.jsonl";
        if (!std::filesystem::exists(file)) throw hg::InputError(file.string() + ": no journal: is this a shard's output?");
        const auto [shard, count] = parse_shard(hg::journal_shard(file));
        if (shards && count != shards) throw hg::InputError(file.string() + ": shard of " + std::to_string(count) + ", others of " + std::to_string(shards));
        if (!seen.insert(shard).second) throw hg::InputError(file.string() + ": shard " + std::to_string(shard) + " given twice");
        shards = count;
        const std::vector<hg::TrialResult> journaled =
            hg::read_journal(file, hg::journal_header(config, {datasets[0].digest, datasets[1].digest}, grid.size(), shard, count), &curve);
        const std::vector<hg::TrialResult> results = fold_records ? fold_records->add(journaled) : journaled;
        const std::vector<bool> mine = hg::shard_trials(grid, shard, count);
        const auto owed = std::count(mine.begin(), mine.end(), true);
        progress.restore(results);
        std::int64_t have = 0;
        for (const hg::TrialResult& r : results) have += mine[static_cast<std::size_t>(r.trial)];
        if (have < owed)
            throw hg::InputError(file.string() + ": shard " + std::to_string(shard) + "/" + std::to_string(count) +
                                 " is incomplete (" + std::to_string(have) + " of " + std::to_string(owed) +
                                 " trials): finish it with run --resume");
    }
    if (static_cast<int>(seen.size()) != shards)
        throw hg::InputError("finalize: " + std::to_string(seen.size()) + " of " + std::to_string(shards) +
                             " shards given");
    clock.lap("merge");
    hg::RunSummary summary;
    summary.ranks = cluster.size();
    summary.peak_memory_mb = {hg::peak_resident_mb()};
    if (fold_records) summary.fold_results = fold_records->fold_results();
    if (config.run.curves) summary.curve_points = std::move(curve);
    finish(config, progress, data, summary, clock);
    return 0;
}

/// Prints the plan a run on `--ranks` ranks would follow. The data files are read for their labels
/// (the class count sets the units' widths); the features are left undecoded.
int plan(const Options& options) {
    hg::enter_phase("plan");
    const hg::RunConfig config = hg::load_config(options.config);
    std::vector<hg::ReadDataset> files;
    for (std::size_t i = 0; i < kDatasets; ++i) files.push_back(read_data_files(config, i));
    check_same_features(files[0].dims(), files[1].dims(), config);
    std::vector<hg::DatasetView> labels_only;  // no features: dims 0 keeps every slice's pointer null
    for (const hg::ReadDataset& file : files) labels_only.push_back({nullptr, file.labels.data(), file.count(), 0});
    const hg::TrainingData data = training_data(labels_only, config);
    const hg::Grid grid(config.grid);
    if (data.folds > 0)
        std::cout << data.folds << "-fold cross-validation of " << data.split.all.count << " examples: each trial trains "
                  << data.folds << " models (one per fold, ~" << data.sweep_train_examples()
                  << " examples each); a unit holds models of one fold\n";
    // Halving: the rungs, then rung 0's units (the later rungs' configurations follow from results).
    std::optional<hg::HalvingSchedule> halving;
    std::vector<bool> rung_zero;
    if (config.grid.halving) {
        halving.emplace(grid, config.grid.factor);
        std::cout << hg::format_rungs(*halving, data.folds);
        hg::RungSweep first;
        for (std::int64_t c = 0; c < halving->configurations(); ++c) first.configurations.push_back(c);
        rung_zero = hg::rung_done_mask(*halving, first, {}, data.folds);
    }
    const hg::WorkPlan work(grid, data.classes, config.run.models_per_unit, 1,
                            hg::packing_for(options.plan_ranks, final_scale(data)),
                            {0, 1, halving ? &rung_zero : nullptr, data.folds});
    std::cout << hg::format_plan_report(work, options.plan_ranks);
    return 0;
}

/// Writes a run's report again from its output directory's records alone.
int report(const Options& options) {
    hg::enter_phase("report");
    const std::filesystem::path file = options.report_file.empty()
                                           ? std::filesystem::path(options.report_dir) / "report.html"
                                           : std::filesystem::path(options.report_file);
    hg::write_html_report(options.report_dir, file);
    std::cout << "report: " << file.string() << std::endl;
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
    run_command->add_flag("--resume", options.resume, "Continue the sweep journaled in the output directory");
    run_command->add_option("--shard", options.shard, "Run only shard K of N (0-based) of the trials: K/N");
    run_command->add_option("--progress", options.progress, "auto (a bar on a terminal, else lines), lines, bar or none")
        ->check(CLI::IsMember({"auto", "lines", "bar", "none"}));
    CLI::App* finalize_command = app.add_subcommand("finalize", "Merge the journals of a sharded sweep, train the best model");
    finalize_command->add_option("config", options.config, "TOML config file")->required();
    finalize_command->add_option("shards", options.shard_dirs, "Output directories of the shards")->required();
    finalize_command->add_option("--output", options.output, "Output directory (overrides [run] output)");
    CLI::App* plan_command = app.add_subcommand("plan", "Print the units of work and the balance per rank, train nothing");
    plan_command->add_option("config", options.config, "TOML config file")->required();
    plan_command->add_option("--ranks", options.plan_ranks, "Number of ranks to plan for")->check(CLI::Range(1, 1 << 20));
    CLI::App* report_command = app.add_subcommand("report", "Write the HTML report of a run's output directory again");
    report_command->add_option("run_dir", options.report_dir, "The run's output directory")->required();
    report_command->add_option("-o,--output", options.report_file, "The report's file (default RUN_DIR/report.html)");
    CLI::App* predict_command = app.add_subcommand("predict", "Apply a run's final model to IMAGES [LABELS] or DATA.csv");
    predict_command->add_option("run", options.predict.run_directory, "Output directory of a finished run")->required();
    predict_command->add_option("data", options.predict.inputs, "IMAGES [LABELS] (IDX or NPY), or DATA.csv")
        ->required()->expected(1, 2);
    predict_command->add_option("--output", options.predict.output, "Predictions CSV (default predictions.csv)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        if (cluster.is_root()) app.exit(e);
        return 0;
    } catch (const CLI::ParseError& e) {
        if (cluster.is_root()) std::cerr << "hypergrid: " << e.what() << " (see hypergrid --help)" << std::endl;
        return 2;
    }
    if (!run_command->parsed() && !plan_command->parsed() && !finalize_command->parsed() && !report_command->parsed() &&
        !predict_command->parsed()) {
        if (cluster.is_root()) std::cerr << "hypergrid: a command is required: run, finalize, plan, report or predict (see hypergrid --help)" << std::endl;
        return 2;
    }

    // A failure that every rank agreed on, or one on rank 0 when it works alone, ends normally with
    // its exit code, rank 0 printing the line. A failure on one rank while the others still work
    // ends them all: the failing rank prints its line and aborts (MPI_Abort), so no rank ever waits
    // on a failed one, wherever it waits (see docs/running.md).
    bool alone = !run_command->parsed();
    int exit_code = 1;
    std::string cause;
    const auto ends_with = [&](int code) {  // rank 0's status, for a launcher script that asks
        if (cluster.is_root()) hg::report_exit_status(code);
        return code;
    };
    try {
        hg::arm_fault_injection(cluster.rank());
        if (plan_command->parsed()) return ends_with(cluster.is_root() ? plan(options) : 0);
        if (report_command->parsed()) return ends_with(cluster.is_root() ? report(options) : 0);
        if (predict_command->parsed()) {
            if (cluster.is_root()) hg::predict(options.predict, std::cout);
            return ends_with(0);
        }
        if (finalize_command->parsed()) return ends_with(finalize(cluster, options));
        return ends_with(run(cluster, options, alone));
    } catch (const hg::RankFailure& e) {
        if (cluster.is_root()) std::cerr << hg::failure_line(e.rank(), hg::current_phase(), e.cause()) << std::endl;
        return ends_with(e.exit_code());
    } catch (const hg::InputError& e) {
        cause = e.what();
        exit_code = 2;
    } catch (const std::bad_alloc&) {
        cause = "out of memory";
    } catch (const std::exception& e) {
        cause = e.what();
    }
    std::cerr << hg::failure_line(cluster.rank(), hg::current_phase(), cause) << std::endl;
    if (!alone && cluster.size() > 1) cluster.abort(exit_code);
    return ends_with(exit_code);
}
