#include "hypergrid/grid.hpp"

#include <ostream>
#include <stdexcept>
#include <utility>

namespace hypergrid {

Grid::Grid(GridConfig axes) : axes_(std::move(axes)) {}

std::int64_t Grid::size() const {
    return static_cast<std::int64_t>(axes_.epochs.size() * axes_.alpha.size() * axes_.learning_rate.size() *
                                     axes_.batch_size.size());
}

std::int64_t Grid::trial_id(std::size_t e, std::size_t a, std::size_t l, std::size_t b) const {
    return static_cast<std::int64_t>(
        ((e * axes_.alpha.size() + a) * axes_.learning_rate.size() + l) * axes_.batch_size.size() + b);
}

Hyperparameters Grid::at(std::int64_t trial) const {
    if (trial < 0 || trial >= size()) throw std::out_of_range("trial id out of range");
    auto rest = static_cast<std::size_t>(trial);
    const std::size_t b = rest % axes_.batch_size.size();
    rest /= axes_.batch_size.size();
    const std::size_t l = rest % axes_.learning_rate.size();
    rest /= axes_.learning_rate.size();
    const std::size_t a = rest % axes_.alpha.size();
    const std::size_t e = rest / axes_.alpha.size();
    return {axes_.epochs[e], axes_.alpha[a], axes_.learning_rate[l], axes_.batch_size[b]};
}

std::ostream& operator<<(std::ostream& out, const Hyperparameters& h) {
    return out << "epochs=" << h.epochs << " alpha=" << h.alpha << " lr=" << h.learning_rate
               << " batch=" << h.batch_size;
}

}  // namespace hypergrid
