#include "hypergrid/dataset.hpp"

#include "hypergrid/digest.hpp"
#include "hypergrid/errors.hpp"
#include "hypergrid/io/csv.hpp"
#include "hypergrid/io/idx.hpp"
#include "hypergrid/io/npy.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace hypergrid {
namespace {

bool is_npy(const std::filesystem::path& file) { return file.extension() == ".npy"; }

io::FeatureTable read_features(const std::filesystem::path& file) {
    return is_npy(file) ? io::read_npy_features(file) : io::read_idx_features(file);
}

std::vector<std::int32_t> read_labels(const std::filesystem::path& file) {
    return is_npy(file) ? io::read_npy_labels(file) : io::read_idx_labels(file);
}

}  // namespace

ReadDataset read_dataset(const DataSource& source, std::optional<double> scale) {
    ReadDataset data;
    if (!source.csv.empty()) {
        io::CsvData csv = io::read_csv(source.csv);
        data.features = std::move(csv.features);
        data.labels = std::move(csv.labels);
    } else {
        data.features = read_features(source.images);
        if (!source.labels.empty()) {
            data.labels = read_labels(source.labels);
            if (static_cast<std::int64_t>(data.labels.size()) != data.features.rows)
                throw InputError(source.labels.string() + ": " + std::to_string(data.labels.size()) + " labels, but " +
                                 source.images.string() + " has " + std::to_string(data.features.rows) + " examples");
        }
    }
    data.divisor = scale.value_or(data.features.integer_source ? 255.0 : 1.0);
    return data;
}

void ReadDataset::decode_features_into(float* out) const { features.decode_into(out, divisor); }

std::uint64_t ReadDataset::digest() const {
    return Digest()
        .add(&features.digest, sizeof features.digest)
        .add(labels.data(), labels.size() * sizeof(std::int32_t))
        .add(&divisor, sizeof divisor)
        .value();
}

Dataset ReadDataset::decode() const {
    Dataset data;
    data.count = count();
    data.dims = dims();
    data.features.resize(static_cast<std::size_t>(data.count * data.dims));
    decode_features_into(data.features.data());
    data.labels = labels;
    data.digest = digest();
    data.divisor = divisor;
    return data;
}

int count_classes(const std::vector<DatasetView>& views) {
    std::int32_t max_label = 0;
    for (const DatasetView& view : views)
        if (view.count > 0) max_label = std::max(max_label, *std::max_element(view.labels, view.labels + view.count));
    return max_label + 1;
}

Split split_train_validation(const DatasetView& data, double validation_fraction, std::int64_t limit) {
    const std::int64_t n = limit > 0 ? std::min(limit, data.count) : data.count;
    const auto validation = static_cast<std::int64_t>(std::floor(static_cast<double>(n) * validation_fraction + 0.5));
    if (validation < 1 || validation >= n)
        throw InputError("the split of " + std::to_string(n) + " training examples with validation_fraction " +
                         std::to_string(validation_fraction) + " leaves an empty training or validation set");
    return {data.slice(0, n - validation), data.slice(n - validation, validation), data.slice(0, n)};
}

}  // namespace hypergrid
