// Tests for the kernel tables (kernels.hpp): every level this CPU runs against the plain reference
// implementation, v3 against v4 bit for bit, and the fixed padding.

#include "hypergrid/kernels.hpp"
#include "support/synthetic.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using namespace hypergrid;
using namespace hypergrid::testing;

namespace {

/// A stack of k models with random weights (padding zero), a dataset to read batches from, and a
/// random gather index: the inputs of one kernel call.
struct Case {
    kernels::Shape shape;
    std::vector<float> weights, bias, decay, step_size, features;
    std::vector<std::int32_t> labels;
    std::vector<std::uint32_t> index;

    Case(std::int64_t d, std::int64_t models, std::int64_t classes, std::int64_t batch, std::uint64_t seed) {
        TestRandom random(seed);
        const std::int64_t width = models * classes, P = kernels::padded_width(width), rows = 3 * batch + 5;
        shape = {d, P, models, classes};
        weights.assign(static_cast<std::size_t>(d * P), 0.0F);
        bias.assign(static_cast<std::size_t>(P), 0.0F);
        decay.assign(static_cast<std::size_t>(P), 1.0F);
        step_size.assign(static_cast<std::size_t>(P), 0.0F);
        for (std::int64_t j = 0; j < width; ++j) {
            for (std::int64_t k = 0; k < d; ++k) weights[static_cast<std::size_t>(k * P + j)] = static_cast<float>(0.3 * random.normal());
            bias[static_cast<std::size_t>(j)] = static_cast<float>(random.normal());
            const std::int64_t model = j / classes;
            decay[static_cast<std::size_t>(j)] = static_cast<float>(1.0 - 0.01 * static_cast<double>(model + 1));
            step_size[static_cast<std::size_t>(j)] = static_cast<float>(0.05 * static_cast<double>(model + 1));
        }
        for (std::int64_t i = 0; i < rows * d; ++i) features.push_back(static_cast<float>(random.normal()));
        for (std::int64_t i = 0; i < rows; ++i) labels.push_back(static_cast<std::int32_t>(random.below(classes)));
        for (std::int64_t i = 0; i < batch; ++i) index.push_back(static_cast<std::uint32_t>(random.below(rows)));
    }

    kernels::Examples batch() const {
        return {features.data(), labels.data(), index.data(), static_cast<std::int64_t>(index.size())};
    }
    kernels::Examples chunk() const {  // the first rows, contiguous
        return {features.data(), labels.data(), nullptr, static_cast<std::int64_t>(index.size())};
    }
};

/// What one kernel call produced.
struct Output {
    std::vector<float> weights, bias, exp_sums, label_scores;
    std::vector<std::int64_t> argmax;
};

Output run_step(const kernels::Table& table, const Case& c) {
    Output out{c.weights, c.bias, {}, {}, {}};
    std::vector<float> scratch(static_cast<std::size_t>(table.sgd_scratch_floats(c.shape, static_cast<std::int64_t>(c.index.size()))));
    table.sgd_step(c.shape, out.weights.data(), out.bias.data(), c.decay.data(), c.step_size.data(), c.batch(),
                   scratch.data());
    return out;
}

Output run_evaluate(const kernels::Table& table, const Case& c) {
    Output out;
    const std::size_t n = c.index.size(), at = n * static_cast<std::size_t>(c.shape.models);
    std::vector<float> scratch(n * static_cast<std::size_t>(c.shape.padded));
    out.exp_sums.resize(at);
    out.label_scores.resize(at);
    out.argmax.resize(at);
    table.evaluate(c.shape, c.weights.data(), c.bias.data(), c.chunk(), scratch.data(), out.exp_sums.data(),
                   out.label_scores.data(), out.argmax.data());
    return out;
}

/// Largest |a - b| / (1 + |b|).
double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]) / (1.0 + std::abs(static_cast<double>(b[i]))));
    return worst;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

const kernels::Table* level(const std::string& name) {
    for (const kernels::Table* table : kernels::supported_tables())
        if (table->name == name) return table;
    return nullptr;
}

/// The padding columns of a step's weights and bias stayed zero.
void check_padding_is_zero(const Case& c, const Output& out) {
    const std::int64_t width = c.shape.models * c.shape.classes;
    for (std::int64_t k = 0; k < c.shape.dims; ++k)
        for (std::int64_t j = width; j < c.shape.padded; ++j)
            CHECK(out.weights[static_cast<std::size_t>(k * c.shape.padded + j)] == 0.0F);
    for (std::int64_t j = width; j < c.shape.padded; ++j) CHECK(out.bias[static_cast<std::size_t>(j)] == 0.0F);
}

// Shapes: d, models, classes, batch; odd sizes leave partial register blocks and panels.
struct Dims {
    std::int64_t d, models, classes, batch;
};
const Dims kShapes[] = {{1, 1, 2, 1}, {7, 1, 3, 5}, {37, 3, 10, 13}, {20, 9, 10, 32}, {9, 5, 3, 8}, {64, 2, 17, 40}};

}  // namespace

TEST_CASE("the padding is 16 floats whatever the CPU", "[kernels]") {
    CHECK(kernels::kPadding == 16);
    CHECK(kernels::padded_width(1) == 16);
    CHECK(kernels::padded_width(16) == 16);
    CHECK(kernels::padded_width(17) == 32);
    CHECK(kernels::padded_width(90) == 96);
}

TEST_CASE("this CPU runs the baseline level, and the active table is one it runs", "[kernels]") {
    const std::vector<const kernels::Table*> tables = kernels::supported_tables();
    REQUIRE(!tables.empty());
    CHECK(std::string(tables.back()->name) == "baseline");
    CHECK(std::find(tables.begin(), tables.end(), &kernels::active_table()) != tables.end());
    INFO("levels this CPU runs: " << tables.size());
}

TEST_CASE("every level's SGD step agrees with the reference step", "[kernels]") {
    for (const kernels::Table* table : kernels::supported_tables())
        for (const Dims& s : kShapes) {
            const Case c(s.d, s.models, s.classes, s.batch, 11 + static_cast<std::uint64_t>(s.d));
            const Output fast = run_step(*table, c), reference = run_step(kernels::reference_table(), c);
            INFO(table->name << ": d " << s.d << ", " << s.models << " models of " << s.classes << " classes, batch " << s.batch);
            CHECK(max_difference(fast.weights, reference.weights) < 1e-5);
            CHECK(max_difference(fast.bias, reference.bias) < 1e-5);
            // The step moved the weights (the comparison is not of two untouched copies), padding stayed zero.
            CHECK(max_difference(fast.weights, c.weights) > 1e-4);
            check_padding_is_zero(c, fast);
        }
}

TEST_CASE("every level's evaluation agrees with the reference evaluation", "[kernels]") {
    for (const kernels::Table* table : kernels::supported_tables())
        for (const Dims& s : kShapes) {
            const Case c(s.d, s.models, s.classes, s.batch, 29 + static_cast<std::uint64_t>(s.batch));
            const Output fast = run_evaluate(*table, c), reference = run_evaluate(kernels::reference_table(), c);
            INFO(table->name << ": d " << s.d << ", " << s.models << " models of " << s.classes << " classes, " << s.batch
                             << " examples");
            CHECK(max_difference(fast.exp_sums, reference.exp_sums) < 1e-5);
            CHECK(max_difference(fast.label_scores, reference.label_scores) < 1e-5);
            CHECK(fast.argmax == reference.argmax);  // random scores: no near-ties at these sizes
        }
}

TEST_CASE("v3 and v4 give the same bits", "[kernels][avx512]") {
    const kernels::Table* v3 = level("v3");
    const kernels::Table* v4 = level("v4");
    if (!v3 || !v4) {
        // Not a skip that passes silently: the comparison cannot run on this CPU, and the test says so.
        FAIL("this CPU lacks " << (v4 ? "v3" : "v4") << ": v3 and v4 cannot be compared here (ctest -LE avx512 leaves this out)");
    }
    for (const Dims& s : kShapes) {
        const Case c(s.d, s.models, s.classes, s.batch, 3 + static_cast<std::uint64_t>(s.models));
        INFO("d " << s.d << ", " << s.models << " models of " << s.classes << " classes, batch " << s.batch);
        Output a = run_step(*v3, c), b = run_step(*v4, c);
        CHECK(same_bits(a.weights, b.weights));
        CHECK(same_bits(a.bias, b.bias));
        a = run_evaluate(*v3, c);
        b = run_evaluate(*v4, c);
        CHECK(same_bits(a.exp_sums, b.exp_sums));
        CHECK(same_bits(a.label_scores, b.label_scores));
        CHECK(a.argmax == b.argmax);
    }
}

TEST_CASE("the bfloat16 SGD steps agree with the reference step within bfloat16's rounding", "[kernels][bf16]") {
    const std::vector<const kernels::Table*> tables = kernels::supported_bf16_tables();
    if (tables.empty())  // not a silent pass: the test says why it cannot run (ctest -LE bf16 leaves it out)
        FAIL("this CPU has neither AVX512_BF16 nor AMX-BF16 (or the operating system does not grant AMX)");
    // The shapes above, and one of several tiles each way with partial ones: d 70 (a tail of 6 rows),
    // 48 examples (three rows of tiles, two sums of 32), 4 models (3 columns of tiles).
    std::vector<Dims> shapes(std::begin(kShapes), std::end(kShapes));
    shapes.push_back({70, 4, 10, 48});
    for (const kernels::Table* table : tables)
        for (const Dims& s : shapes) {
            const Case c(s.d, s.models, s.classes, s.batch, 5 + static_cast<std::uint64_t>(s.d));
            const Output fast = run_step(*table, c), reference = run_step(kernels::reference_table(), c);
            INFO(table->name << ": d " << s.d << ", " << s.models << " models of " << s.classes << " classes, batch " << s.batch);
            // Each weight's change is decay W - X G: compare the steps, relative to the largest one.
            double largest_step = 0, weights_error = 0, bias_error = 0, largest_bias_step = 0;
            for (std::size_t i = 0; i < c.weights.size(); ++i) {
                largest_step = std::max(largest_step, std::abs(static_cast<double>(reference.weights[i]) - c.weights[i]));
                weights_error = std::max(weights_error, std::abs(static_cast<double>(fast.weights[i]) - reference.weights[i]));
            }
            for (std::size_t j = 0; j < c.bias.size(); ++j) {
                largest_bias_step = std::max(largest_bias_step, std::abs(static_cast<double>(reference.bias[j]) - c.bias[j]));
                bias_error = std::max(bias_error, std::abs(static_cast<double>(fast.bias[j]) - reference.bias[j]));
            }
            REQUIRE(largest_step > 1e-4);
            CHECK(weights_error < 0.01 * largest_step);  // seen: at most 0.7%
            CHECK(bias_error < 0.01 * largest_bias_step);
            // Rounded operands: not the float32 step's bits (a float32 table behind the name would be).
            if (s.d >= 20) CHECK(weights_error > 0.0);
            check_padding_is_zero(c, fast);
        }
}

TEST_CASE("the bfloat16 tables evaluate as v4 does, and float32 training runs the active table", "[kernels][bf16]") {
    const std::vector<const kernels::Table*> tables = kernels::supported_bf16_tables();
    if (tables.empty()) FAIL("this CPU has neither AVX512_BF16 nor AMX-BF16");
    const kernels::Table* v4 = level("v4");
    REQUIRE(v4);
    CHECK(&kernels::training_table(kernels::Precision::float32) == &kernels::active_table());
    CHECK(&kernels::training_table(kernels::Precision::bf16) == tables.front());
    for (const kernels::Table* table : tables)
        for (const Dims& s : kShapes) {
            const Case c(s.d, s.models, s.classes, s.batch, 17 + static_cast<std::uint64_t>(s.d));
            INFO(table->name << ": d " << s.d << ", batch " << s.batch);
            const Output a = run_evaluate(*table, c), b = run_evaluate(*v4, c);
            CHECK(same_bits(a.exp_sums, b.exp_sums));
            CHECK(same_bits(a.label_scores, b.label_scores));
            CHECK(a.argmax == b.argmax);
        }
}
