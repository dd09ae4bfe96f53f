#pragma once
/// @file journal.hpp
/// journal.jsonl: every finished trial on disk the moment rank 0 has it, so a killed sweep resumes
/// without redoing finished trials. One JSON object per line: a header that fingerprints the config
/// and the data, then one line per trial, and with [run] curves one line per curve point
/// ({"kind": "curve", ...}) before the trials it leads to. Each batch of lines is written with one
/// write() and flushed to disk (fdatasync) before the sweep goes on; a kill can only tear the last
/// line, which reading tolerates.

#include "hypergrid/config.hpp"
#include "hypergrid/dataset.hpp"
#include "hypergrid/results.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hypergrid {

/// What a journal belongs to. Two journals with different fingerprints never mix.
struct JournalHeader {
    std::string fingerprint;   ///< hex digest of the search space, training settings and data
    std::int64_t trials = 0;   ///< size of the search space
    std::string shard = "0/1"; ///< which part of the sweep this journal holds ("K/N")
    /// [run] curves: the journal holds curve points. Not in the fingerprint (the trials are the same
    /// either way), but a sweep resumes only with the setting it started with, or its curves would
    /// lack the models it trained before.
    bool curves = false;
};

/// A 64-bit digest, as 16 hex digits, of `text` followed by the given byte ranges.
std::string fingerprint(const std::string& text, const std::vector<std::pair<const void*, std::size_t>>& bytes);

/// The header of a sweep's journal: fingerprints the search space, the settings that change results
/// (split, limits, scale, seed) and the datasets by their digests (ReadDataset::digest), not file
/// names or the output path; says whether it records curves ([run] curves).
JournalHeader journal_header(const RunConfig& config, const std::vector<std::uint64_t>& data_digests,
                             std::int64_t trials, int shard, int shards);

/// The shard ("K/N") a journal file says it holds. Throws InputError naming the file.
std::string journal_shard(const std::filesystem::path& file);

/// One journal line for a trial, and back. Doubles are written so that they read back exactly.
std::string trial_to_json(const TrialResult& result);
TrialResult trial_from_json(const std::string& line);  ///< throws std::invalid_argument

/// One journal line for a curve point, and back.
std::string curve_point_to_json(const CurvePoint& point);
CurvePoint curve_point_from_json(const std::string& line);  ///< throws std::invalid_argument

/// The journal's finished trials; its curve points go to `curve` when given (skipped otherwise).
/// Throws InputError naming the file when its header is missing or does not match `expected`, or a
/// line other than the last is corrupt. A torn last line (killed mid-write) is dropped, and cut from
/// the file so that appending continues cleanly.
std::vector<TrialResult> read_journal(const std::filesystem::path& file, const JournalHeader& expected,
                                      std::vector<CurvePoint>* curve = nullptr);

/// Appends trials to a journal, flushed to disk after every call. Holds an exclusive lock on the
/// file while it exists, so two runs never write one journal.
class JournalWriter {
public:
    /// Opens and locks `file` for appending (InputError when another process holds it); writes
    /// `header` first when the file is new or empty.
    JournalWriter(const std::filesystem::path& file, const JournalHeader& header);
    ~JournalWriter();
    JournalWriter(const JournalWriter&) = delete;
    JournalWriter& operator=(const JournalWriter&) = delete;

    /// Appends `results`, preceded by the curve points given since the last trials were written, in
    /// one write flushed to disk. Points alone wait in memory for the next trials: the sweep trains
    /// again every model whose trials are not all journaled, so a point matters on disk only once a
    /// trial after it is there (every point of a model comes before its last trial).
    void append(const std::vector<TrialResult>& results, const std::vector<CurvePoint>& curve = {});

private:
    void write_all(const std::string& text);

    std::filesystem::path file_;
    int fd_ = -1;
    std::string waiting_curve_;  // curve lines not yet written
};

}  // namespace hypergrid
