#include "hypergrid/fault.hpp"

#include "hypergrid/errors.hpp"

#include <csignal>
#include <new>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace hypergrid {

// Points are added here as the code gains them; names say the phase and the operation.
const char* const kFaultPoints[] = {
    "configure",       ///< reading and validating the config
    "load",            ///< reading the data files
    "journal_open",    ///< opening and locking the journal
    "journal_read",    ///< reading the journal on --resume
    "journal_append",  ///< appending a finished trial to the journal
    "plan",            ///< planning the units of work
    "train_alloc",     ///< allocating a unit's models (throws std::bad_alloc)
    "train_epoch",     ///< an epoch of a unit
    "send_results",    ///< a worker sending results to rank 0
    "receive_state",   ///< waiting for a handed-over state
    "final_model",     ///< training the final model
    "write_outputs",   ///< writing trials.csv, summary.json, the model files
};
const int kFaultPointCount = static_cast<int>(sizeof(kFaultPoints) / sizeof(kFaultPoints[0]));

namespace {

struct Armed {
    std::string point;  // empty: disarmed
    long count = 1;     // fire at this arrival
    bool kill = false;
    long arrivals = 0;
};

Armed armed;

}  // namespace

void arm_fault_injection(int rank) {
    armed = Armed{};
    const char* value = std::getenv("HYPERGRID_FAULT");
    if (!value || !*value) return;
    std::string spec = value;
    const auto bad = [&](const std::string& why) {
        return InputError("HYPERGRID_FAULT=" + std::string(value) + ": " + why);
    };
    Armed parsed;
    if (const auto colon = spec.find(':'); colon != std::string::npos) {
        if (spec.substr(colon + 1) != "kill") throw bad("the only action is ':kill'");
        parsed.kill = true;
        spec.erase(colon);
    }
    long target_rank = -1;
    const auto number_after = [&](char mark, long& out) {
        const auto at = spec.find(mark);
        if (at == std::string::npos) return;
        const std::string digits = spec.substr(at + 1);
        char* end = nullptr;
        out = std::strtol(digits.c_str(), &end, 10);
        if (digits.empty() || *end != '\0' || out < 0) throw bad(std::string("expected a number after '") + mark + "'");
        spec.erase(at);
    };
    number_after('#', parsed.count);
    number_after('@', target_rank);
    if (parsed.count < 1) throw bad("'#' counts arrivals from 1");
    bool known = false;
    for (int i = 0; i < kFaultPointCount; ++i) known = known || spec == kFaultPoints[i];
    if (!known) throw bad("unknown fault point '" + spec + "'");
    if (target_rank >= 0 && target_rank != rank) return;
    parsed.point = spec;
    armed = parsed;
}

void fault_point(const char* point) {
    if (armed.point.empty() || armed.point != point || ++armed.arrivals != armed.count) return;
    if (armed.kill) ::kill(::getpid(), SIGKILL);
    if (std::strcmp(point, "train_alloc") == 0) throw std::bad_alloc();
    throw InjectedFault(point);
}

}  // namespace hypergrid
