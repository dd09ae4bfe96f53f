#include "hypergrid/digest.hpp"

#include "hypergrid/shuffle.hpp"

#include <cstring>

namespace hypergrid {
namespace {
constexpr std::uint64_t kStep = 0x9E3779B97F4A7C15ULL;
}

Digest::Digest() {
    for (int j = 0; j < kLanes; ++j) lane_[j] = mix64(0x6879706572677269ULL ^ (kStep * static_cast<std::uint64_t>(j)));
}

Digest& Digest::add(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    std::size_t i = 0;
    for (; i + 8 * kLanes <= size; i += 8 * kLanes)
        for (int j = 0; j < kLanes; ++j) {
            std::uint64_t word = 0;
            std::memcpy(&word, bytes + i + 8 * static_cast<std::size_t>(j), 8);
            lane_[j] = mix64(lane_[j] ^ word) + kStep;
        }
    for (; i + 8 <= size; i += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, bytes + i, 8);
        lane_[0] = mix64(lane_[0] ^ word) + kStep;
    }
    std::uint64_t tail = size;  // the length keeps "ab" + "" apart from "a" + "b"
    for (; i < size; ++i) tail = (tail << 8) | bytes[i];
    lane_[0] = mix64(lane_[0] ^ tail) + kStep;
    return *this;
}

std::uint64_t Digest::value() const {
    std::uint64_t hash = 0;
    for (const std::uint64_t l : lane_) hash = mix64(hash ^ l) + kStep;
    return hash;
}

}  // namespace hypergrid
