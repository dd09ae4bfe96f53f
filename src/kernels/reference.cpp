// The reference kernels: the definitions in kernels.hpp as plain loops over one element at a time,
// float arithmetic without fused multiply-adds and std::exp. Slow and obviously right; the tests
// compare every level's fast kernels against them.

#include "kernels/levels.hpp"

#include <cmath>
#include <vector>

namespace hypergrid::kernels::reference {
namespace {

const float* row(const Examples& x, std::int64_t dims, std::int64_t i) {
    return x.features + (x.index ? static_cast<std::int64_t>(x.index[i]) : i) * dims;
}

std::int32_t label(const Examples& x, std::int64_t i) { return x.labels[x.index ? x.index[i] : i]; }

/// scores(i, j) = bias(j) + sum_k x_i(k) W(k, j), summed over k in order.
void compute_scores(const Shape& s, const float* weights, const float* bias, const Examples& x, float* scores) {
    for (std::int64_t i = 0; i < x.count; ++i) {
        const float* features = row(x, s.dims, i);
        for (std::int64_t j = 0; j < s.padded; ++j) {
            float sum = bias[j];
            for (std::int64_t k = 0; k < s.dims; ++k) sum += features[k] * weights[k * s.padded + j];
            scores[i * s.padded + j] = sum;
        }
    }
}

/// Model k's scores of example i, shifted by their maximum; returns the first maximum's class.
std::int64_t shift_by_max(float* z, std::int64_t classes) {
    std::int64_t best = 0;
    for (std::int64_t j = 1; j < classes; ++j)
        if (z[j] > z[best]) best = j;
    const float top = z[best];
    for (std::int64_t j = 0; j < classes; ++j) z[j] -= top;
    return best;
}

void sgd_step(const Shape& s, float* weights, float* bias, const float* decay, const float* step_size,
              const Examples& batch, float* scores) {
    const std::int64_t m = batch.count, P = s.padded;
    compute_scores(s, weights, bias, batch, scores);
    std::vector<float> gradient(static_cast<std::size_t>(m * P), 0.0F);  // lr/m (P - Y); padding 0
    for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t k = 0; k < s.models; ++k) {
            float* z = scores + i * P + k * s.classes;
            float* g = gradient.data() + i * P + k * s.classes;
            shift_by_max(z, s.classes);
            float sum = 0;
            for (std::int64_t j = 0; j < s.classes; ++j) sum += std::exp(z[j]);
            const float step = step_size[k * s.classes] / static_cast<float>(m);
            for (std::int64_t j = 0; j < s.classes; ++j) g[j] = std::exp(z[j]) / sum * step;
            g[label(batch, i)] -= step;
        }
    for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < P; ++j) bias[j] -= gradient[static_cast<std::size_t>(i * P + j)];
    for (std::int64_t k = 0; k < s.dims; ++k)
        for (std::int64_t j = 0; j < P; ++j) {
            float w = decay[j] * weights[k * P + j];
            for (std::int64_t i = 0; i < m; ++i) w -= row(batch, s.dims, i)[k] * gradient[static_cast<std::size_t>(i * P + j)];
            weights[k * P + j] = w;
        }
    for (std::int64_t i = 0; i < m * P; ++i) scores[i] = gradient[static_cast<std::size_t>(i)];
}

void evaluate(const Shape& s, const float* weights, const float* bias, const Examples& chunk, float* scores,
              float* exp_sums, float* label_scores, std::int64_t* argmax) {
    compute_scores(s, weights, bias, chunk, scores);
    for (std::int64_t i = 0; i < chunk.count; ++i)
        for (std::int64_t k = 0; k < s.models; ++k) {
            float* z = scores + i * s.padded + k * s.classes;
            const std::int64_t at = i * s.models + k;
            argmax[at] = shift_by_max(z, s.classes);
            if (chunk.labels) label_scores[at] = z[label(chunk, i)];
            float sum = 0;
            for (std::int64_t j = 0; j < s.classes; ++j) sum += z[j] = std::exp(z[j]);
            exp_sums[at] = sum;
        }
}

std::int64_t sgd_scratch_floats(const Shape& s, std::int64_t m) { return m * s.padded; }

}  // namespace

extern const Table table{"reference", sgd_step, sgd_scratch_floats, evaluate};

}  // namespace hypergrid::kernels::reference
