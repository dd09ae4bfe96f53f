#include "hypergrid/results.hpp"

#include <algorithm>
#include <ostream>

namespace hypergrid {

const char* to_string(TrialStatus status) { return status == TrialStatus::ok ? "ok" : "diverged"; }

bool parse_value(const std::string& text, TrialStatus& status) {
    if (text != "ok" && text != "diverged") return false;
    status = text == "ok" ? TrialStatus::ok : TrialStatus::diverged;
    return true;
}

std::ostream& operator<<(std::ostream& out, const TrialResult& r) { return print_fields(out, r); }

const std::string kTrialsCsvHeader = csv_header<TrialResult>();

std::string format_trials_csv(const std::vector<TrialResult>& results) { return format_trials_csv(results, {}); }

std::string format_trials_csv(const std::vector<TrialResult>& results, const TrialsCsvExtras& extras) {
    // The record's own row, with val_cost_std spliced in after val_accuracy and the rung appended.
    // Its cells are numbers and names, never holding a comma, so commas find the place.
    const auto accuracy = static_cast<std::ptrdiff_t>(kTrialsCsvHeader.find("val_accuracy"));
    const auto cells_before = static_cast<std::size_t>(std::count(kTrialsCsvHeader.begin(), kTrialsCsvHeader.begin() + accuracy, ',')) + 1;
    const auto splice = [&](std::string row, const std::string& std_cell, const std::string& rung_cell) {
        if (!std_cell.empty()) {
            std::size_t at = 0;
            for (std::size_t cell = 0; cell < cells_before; ++cell) at = row.find(',', at) + 1;
            row.insert(at, std_cell + ',');
        }
        return rung_cell.empty() ? row : row + ',' + rung_cell;
    };
    std::string csv = splice(kTrialsCsvHeader, extras.val_cost_std ? "val_cost_std" : "", extras.rung_epochs.empty() ? "" : "rung") + '\n';
    for (const TrialResult& r : results) {
        std::string rung;
        if (!extras.rung_epochs.empty()) {
            const auto& rungs = extras.rung_epochs;
            rung = std::to_string(std::find(rungs.begin(), rungs.end(), r.hyper.epochs) - rungs.begin());
        }
        csv += splice(csv_row(r), extras.val_cost_std ? format_number(r.val_cost_std) : "", rung) + '\n';
    }
    return csv;
}

}  // namespace hypergrid
