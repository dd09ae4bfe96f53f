#include "hypergrid/stop_signal.hpp"

#include <csignal>

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

}  // namespace hypergrid
