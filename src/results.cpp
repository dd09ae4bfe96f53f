#include "hypergrid/results.hpp"

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

std::string format_trials_csv(const std::vector<TrialResult>& results) {
    std::string csv = kTrialsCsvHeader + '\n';
    for (const TrialResult& r : results) csv += csv_row(r) + '\n';
    return csv;
}

}  // namespace hypergrid
