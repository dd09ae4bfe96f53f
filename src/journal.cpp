#include "hypergrid/journal.hpp"
#include "hypergrid/fault.hpp"

#include "hypergrid/config_fields.hpp"
#include "hypergrid/digest.hpp"
#include "hypergrid/errors.hpp"
#include "hypergrid/text_format.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace hypergrid {
namespace {

/// The journal's format; -2 changed the fingerprint's hash (four lanes), -3 what it hashes of the data
/// (each dataset's digest, see ReadDataset::digest, instead of the decoded values), nothing else.
constexpr const char* kFormat = "hypergrid-journal-3";

const std::string& field(const std::map<std::string, std::string>& fields, const char* key) {
    const auto found = fields.find(key);
    if (found == fields.end()) throw std::invalid_argument(std::string("missing \"") + key + "\"");
    return found->second;
}

std::string header_json(const JournalHeader& header) {
    // "curves" only when on: the header of a sweep without curves is the one format 3 always wrote.
    return "{\"format\": \"" + std::string(kFormat) + "\", \"fingerprint\": " + json_string(header.fingerprint) +
           ", \"trials\": " + std::to_string(header.trials) + ", \"shard\": " + json_string(header.shard) +
           (header.curves ? ", \"curves\": true}" : "}");
}

/// A trial line's fields (a k-fold result's carry its fold) as a result.
TrialResult trial_from_fields(const std::map<std::string, std::string>& fields) {
    TrialResult r = record_from_json_fields<TrialResult>(fields);
    if (const auto fold = fields.find("fold"); fold != fields.end() && !parse_value(fold->second, r.fold))
        throw std::invalid_argument("bad fold '" + fold->second + "'");
    return r;
}

constexpr const char* kCurveKind = "curve";

/// A curve line's fields as a point.
CurvePoint curve_point_from_fields(const std::map<std::string, std::string>& fields) {
    const auto kind = fields.find("kind");
    if (kind == fields.end() || kind->second != kCurveKind) throw std::invalid_argument("not a curve point");
    return record_from_json_fields<CurvePoint>(fields);
}

}  // namespace

std::string fingerprint(const std::string& text, const std::vector<std::pair<const void*, std::size_t>>& bytes) {
    Digest digest;
    digest.add(text.data(), text.size());
    for (const auto& [data, size] : bytes) digest.add(data, size);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(digest.value()));
    return hex;
}

JournalHeader journal_header(const RunConfig& config, const std::vector<std::uint64_t>& data_digests,
                             std::int64_t trials, int shard, int shards) {
    // The text of format 3, frozen: it covers the settings flagged config_flags::results_v3.
    const DataConfig& data = config.data;
    const GridConfig& grid = config.grid;
    std::string settings = "scale=" + (data.scale ? format_number(*data.scale) : std::string("default")) +
                           " validation_fraction=" + format_number(data.validation_fraction) +
                           " limit_train=" + std::to_string(data.limit_train) +
                           " limit_test=" + std::to_string(data.limit_test) + " seed=" + std::to_string(config.run.seed);
    auto axis = [&](const char* name, const auto& values) {
        settings += std::string(" ") + name + "=";
        for (const auto value : values) settings += format_number(static_cast<double>(value)) + ",";
    };
    axis("epochs", grid.epochs);
    axis("alpha", grid.alpha);
    axis("learning_rate", grid.learning_rate);
    axis("batch_size", grid.batch_size);
    if (grid.random) {
        settings += " random samples=" + std::to_string(grid.samples) + " seed=" + std::to_string(grid.search_seed);
        for (const auto& range : grid.ranges)
            if (range) settings += " range=" + format_number(range->start) + ":" + format_number(range->stop) + (range->log ? ":log" : "");
    }
    // Settings added since format 3 (config_flags::results); none yet, so format-3 fingerprints hold.
    const std::string added = results_settings_json(config);
    if (!added.empty()) settings += " " + added;
    JournalHeader header;
    header.fingerprint = fingerprint(settings, {{data_digests.data(), data_digests.size() * sizeof(std::uint64_t)}});
    header.trials = trials;
    header.shard = std::to_string(shard) + "/" + std::to_string(shards);
    header.curves = config.run.curves;
    return header;
}

std::string journal_shard(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string line;
    if (!in || !std::getline(in, line)) throw InputError(file.string() + ": cannot read journal: " + std::strerror(errno));
    try {
        return field(parse_flat_json_object(line), "shard");
    } catch (const std::invalid_argument& error) {
        throw InputError(file.string() + ":1: not a hypergrid journal header: " + error.what());
    }
}

std::string trial_to_json(const TrialResult& r) {
    std::string json = json_object(r, JsonForm::exact);
    if (r.fold >= 0) json.insert(json.size() - 1, ", \"fold\": " + std::to_string(r.fold));  // k-fold: one line per fold
    return json;
}

TrialResult trial_from_json(const std::string& line) { return trial_from_fields(parse_flat_json_object(line)); }

std::string curve_point_to_json(const CurvePoint& point) {
    return "{\"kind\": \"" + std::string(kCurveKind) + "\", " + json_object(point, JsonForm::exact).substr(1);
}

CurvePoint curve_point_from_json(const std::string& line) { return curve_point_from_fields(parse_flat_json_object(line)); }

std::vector<TrialResult> read_journal(const std::filesystem::path& file, const JournalHeader& expected,
                                      std::vector<CurvePoint>* curve) {
    fault_point("journal_read");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw InputError(file.string() + ": cannot open journal: " + std::strerror(errno));
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    const std::string where = file.string() + ":";

    std::vector<TrialResult> results;
    std::size_t start = 0;
    std::size_t complete = 0;  // bytes up to the end of the last good line
    for (int line_number = 1; start < text.size(); ++line_number) {
        const std::size_t end = text.find('\n', start);
        const bool last = end == std::string::npos || end + 1 == text.size();
        const std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        try {
            if (line_number == 1) {
                const auto fields = parse_flat_json_object(line);
                const std::string format = field(fields, "format");
                if (format.rfind("hypergrid-journal-", 0) == 0 && format != kFormat)
                    throw InputError(where + "1: a journal of format " + format + ", this hypergrid's is " + kFormat +
                                     ": finish that sweep with the hypergrid that started it, or choose another --output");
                if (format != kFormat) throw std::invalid_argument("not a hypergrid journal");
                if (field(fields, "fingerprint") != expected.fingerprint || field(fields, "shard") != expected.shard)
                    throw InputError(where + "1: journal of another sweep (fingerprint " + field(fields, "fingerprint") +
                                     ", shard " + field(fields, "shard") + "; this config, data and shard give " +
                                     expected.fingerprint + ", " + expected.shard +
                                     "): choose another --output or remove the journal");
                const auto curves = fields.find("curves");
                if ((curves != fields.end() && curves->second == "true") != expected.curves)
                    throw InputError(where + "1: this sweep started with [run] curves = " +
                                     (expected.curves ? "false" : "true") +
                                     ": resume it with that setting (the curves would lack the models trained "
                                     "before), or choose another --output");
            } else {
                // Torn while written, even when its text happens to parse: it is cut from the file below.
                if (end == std::string::npos) throw std::invalid_argument("no end of line");
                const std::map<std::string, std::string> fields = parse_flat_json_object(line);
                if (fields.count("kind")) {
                    const CurvePoint point = curve_point_from_fields(fields);
                    if (curve) curve->push_back(point);
                } else {
                    TrialResult r = trial_from_fields(fields);
                    if (r.trial < 0 || r.trial >= expected.trials) throw std::invalid_argument("trial id out of range");
                    results.push_back(r);
                }
            }
            if (end == std::string::npos) throw std::invalid_argument("no end of line");  // a torn header
            complete = end + 1;
        } catch (const InputError&) {
            throw;
        } catch (const std::invalid_argument& error) {
            if (!last || line_number == 1)
                throw InputError(where + std::to_string(line_number) + ": corrupt journal line: " + error.what());
            break;  // a torn last line: the trial it held was in flight
        }
        start = end == std::string::npos ? text.size() : end + 1;
    }
    if (text.empty()) throw InputError(where + " empty journal");
    if (complete < text.size() && ::truncate(file.c_str(), static_cast<off_t>(complete)) != 0)
        throw std::runtime_error(where + " cannot cut its torn last line: " + std::strerror(errno));
    return results;
}

JournalWriter::JournalWriter(const std::filesystem::path& file, const JournalHeader& header) : file_(file) {
    fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw InputError(file.string() + ": cannot open journal: " + std::strerror(errno));
    // One writer per journal: a second run on the same output (or ranks orphaned by a killed
    // mpirun, still running) would interleave its trials with ours.
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd_);
        fd_ = -1;
        throw InputError(file.string() + ": in use by another running hypergrid (wait for it to end, or kill it)");
    }
    fault_point("journal_open");
    if (::lseek(fd_, 0, SEEK_END) == 0) write_all(header_json(header) + '\n');
}

JournalWriter::~JournalWriter() {
    if (fd_ >= 0) ::close(fd_);
}

void JournalWriter::append(const std::vector<TrialResult>& results, const std::vector<CurvePoint>& curve) {
    for (const CurvePoint& point : curve) waiting_curve_ += curve_point_to_json(point) + '\n';
    if (results.empty() && !curve.empty()) return;  // the points wait for the trials they lead to
    std::string lines = std::move(waiting_curve_);
    waiting_curve_.clear();
    for (const TrialResult& r : results) lines += trial_to_json(r) + '\n';
    write_all(lines);
    fault_point("journal_append");  // after the k-th append: its trials are safe
}

void JournalWriter::write_all(const std::string& text) {
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t written = ::write(fd_, text.data() + done, text.size() - done);
        if (written < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(file_.string() + ": cannot write journal: " + std::strerror(errno));
        }
        done += static_cast<std::size_t>(written);
    }
    if (::fdatasync(fd_) != 0) throw std::runtime_error(file_.string() + ": cannot flush journal: " + std::strerror(errno));
}

}  // namespace hypergrid
