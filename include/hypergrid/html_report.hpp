#pragma once
/// @file html_report.hpp
/// report.html: one self-contained page (inline SVG and CSS, no script, nothing fetched) that shows
/// a run from its records: summary, validation cost against each axis and each pair of axes,
/// learning curves, which axes matter, the confusion matrix, the ranks' timeline, the best trials.
/// Its size is bounded whatever the number of trials: large sweeps are drawn aggregated.

#include "hypergrid/report_records.hpp"

#include <filesystem>
#include <string>

namespace hypergrid {

/// The report page of `records`. A function of the records only (no clock), so the same directory
/// always gives the same bytes.
std::string format_html_report(const RunRecords& records);

/// Reads `directory`'s records and writes their report to `file` (default: directory/report.html),
/// atomically. Throws InputError when the records are missing or malformed.
void write_html_report(const std::filesystem::path& directory, const std::filesystem::path& file = {});

}  // namespace hypergrid
