// libFuzzer target for every reader of user input: IDX (raw and gzip), NPY and CSV data files and
// the TOML config. Each must accept the bytes or throw hypergrid::InputError whose message is one
// non-empty line; anything else (another exception, a crash, a message that is empty or spans lines,
// or what AddressSanitizer and UBSan catch) is a finding. Built and run by
// tests/fuzz/test_fuzz.sh; the first byte of an input picks the reader, the rest is the file.

#include "hypergrid/config.hpp"
#include "hypergrid/errors.hpp"
#include "hypergrid/io/csv.hpp"
#include "hypergrid/io/idx.hpp"
#include "hypergrid/io/npy.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace hg = hypergrid;

/// Converts what a features reader accepted, as a run would (non-finite values are InputErrors).
void decode(const hg::io::FeatureTable& table) {
    std::vector<float> values(static_cast<std::size_t>(table.rows * table.cols));
    table.decode_into(values.data(), 255.0);
}

const std::filesystem::path& work_dir() {
    static const std::filesystem::path dir = [] {
        auto path = std::filesystem::temp_directory_path() / ("hypergrid-fuzz-" + std::to_string(getpid()));
        std::filesystem::create_directories(path);
        return path;
    }();
    return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const char* const kFiles[] = {"features.idx", "labels.idx", "features.npy", "labels.npy", "data.csv",
                                         "config.toml"};
    const int reader = data[0] % 6;
    const std::filesystem::path file = work_dir() / kFiles[reader];
    std::ofstream(file, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
    try {
        switch (reader) {
            case 0: decode(hg::io::read_idx_features(file)); break;
            case 1: hg::io::read_idx_labels(file); break;
            case 2: decode(hg::io::read_npy_features(file)); break;
            case 3: hg::io::read_npy_labels(file); break;
            case 4: decode(hg::io::read_csv(file).features); break;
            case 5: hg::load_config(file); break;
        }
    } catch (const hg::InputError& error) {
        // The expected answer to bad input, printed as the one line "hypergrid: <message>": an
        // empty message or a line break in it is a finding too.
        const std::string message = error.what();
        if (message.empty() || message.find_first_of("\n\r") != std::string::npos) {
            std::fprintf(stderr, "InputError message is not one non-empty line: \"%s\"\n", message.c_str());
            std::abort();
        }
    }
    return 0;
}
