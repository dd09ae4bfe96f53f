#include "hypergrid/stop_signal.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace hypergrid {
namespace {

volatile std::sig_atomic_t stop_flag = 0;

extern "C" void on_stop_signal(int /*signal*/) { stop_flag = 1; }

}  // namespace

void install_stop_handlers() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGUSR1, &action, nullptr);
}

bool stop_requested() { return stop_flag != 0; }

void report_exit_status(int exit_code) {
    const char* file = std::getenv("HYPERGRID_STATUS_FILE");
    if (!file || !*file) return;
    if (std::FILE* out = std::fopen(file, "w")) {
        std::fprintf(out, "%d\n", exit_code);
        std::fclose(out);
    }
}

}  // namespace hypergrid
