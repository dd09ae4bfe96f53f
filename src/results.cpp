#include "hypergrid/results.hpp"

#include "hypergrid/text_format.hpp"

#include <ostream>

namespace hypergrid {

const char* to_string(TrialStatus status) { return status == TrialStatus::ok ? "ok" : "diverged"; }

bool operator==(const TrialResult& a, const TrialResult& b) {
    // NaN metrics of diverged trials compare by their text, so records round-trip as equal.
    return a.trial == b.trial && a.hyper.epochs == b.hyper.epochs && a.hyper.alpha == b.hyper.alpha &&
           a.hyper.learning_rate == b.hyper.learning_rate && a.hyper.batch_size == b.hyper.batch_size &&
           format_number(a.val_cost) == format_number(b.val_cost) &&
           format_number(a.val_cross_entropy) == format_number(b.val_cross_entropy) &&
           format_number(a.val_accuracy) == format_number(b.val_accuracy) && a.status == b.status &&
           a.seconds == b.seconds && a.rank == b.rank;
}

std::ostream& operator<<(std::ostream& out, const TrialResult& r) {
    return out << "trial " << r.trial << " (" << r.hyper << ") val_cost=" << format_number(r.val_cost)
               << " val_ce=" << format_number(r.val_cross_entropy)
               << " val_acc=" << format_number(r.val_accuracy) << ' ' << to_string(r.status)
               << " seconds=" << r.seconds << " rank=" << r.rank;
}

const char* const kTrialsCsvHeader =
    "trial,epochs,alpha,learning_rate,batch_size,val_cost,val_cross_entropy,val_accuracy,status,seconds,rank";

std::string format_trials_csv(const std::vector<TrialResult>& results) {
    std::string csv = kTrialsCsvHeader;
    csv += '\n';
    for (const TrialResult& r : results) {
        csv += std::to_string(r.trial) + ',' + std::to_string(r.hyper.epochs) + ',' +
               format_number(r.hyper.alpha) + ',' + format_number(r.hyper.learning_rate) + ',' +
               std::to_string(r.hyper.batch_size) + ',' + format_number(r.val_cost) + ',' +
               format_number(r.val_cross_entropy) + ',' + format_number(r.val_accuracy) + ',' +
               to_string(r.status) + ',' + format_fixed(r.seconds, 4) + ',' + std::to_string(r.rank) + '\n';
    }
    return csv;
}

}  // namespace hypergrid
