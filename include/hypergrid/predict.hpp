#pragma once
/// @file predict.hpp
/// `hypergrid predict`: a run's final model applied to new data, with the run's own feature scale.

#include <filesystem>
#include <iosfwd>
#include <vector>

namespace hypergrid {

struct PredictRequest {
    std::filesystem::path run_directory;            ///< a finished run's output directory
    std::vector<std::filesystem::path> inputs;      ///< IMAGES [LABELS] (IDX or NPY), or one DATA.csv
    std::filesystem::path output = "predictions.csv";
};

/// Loads the run's final model, reads the inputs (a CSV has a label column first when it has one
/// more column than the model has features), writes the predictions CSV (example, predicted, label
/// when known, p_0 .. p_{c-1}) and prints a line to `out`: the example count and, with labels, the
/// accuracy and cross-entropy, computed as the run computes its test figures. Throws InputError
/// naming the file on a missing model, an unreadable file or a feature count that does not match.
void predict(const PredictRequest& request, std::ostream& out);

}  // namespace hypergrid
