// Tests for load_config and config_to_json: valid configs, path resolution, defaults, and one test
// per rejected input, each checking that the message names the file, the line and the key.

#include "hypergrid/config.hpp"
#include "hypergrid/errors.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;
using hypergrid::InputError;
using hypergrid::load_config;
using hypergrid::RunConfig;

namespace {

/// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::random_device random;
        for (int attempt = 0;; ++attempt) {
            path_ = fs::temp_directory_path() / ("hypergrid_config_test_" + std::to_string(random()));
            if (fs::create_directory(path_)) break;
            if (attempt > 100) throw std::runtime_error("TempDir: cannot create a unique directory");
        }
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

void write_file(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
    REQUIRE(out.good());
}

// Line numbers matter: the invalid cases below expect errors on these lines.
const std::string kIdxConfig =
    "[data]\n"                                        // 1
    "train_images = \"train-images.gz\"\n"            // 2
    "train_labels = \"train-labels.gz\"\n"            // 3
    "test_images = \"test-images.gz\"\n"              // 4
    "test_labels = \"test-labels.gz\"\n"              // 5
    "[grid]\n"                                        // 6
    "epochs = [5, 25, 35]\n"                          // 7
    "alpha = [0.1, 0.01, 0.001]\n"                    // 8
    "learning_rate = [1e-5, 5e-5, 1e-6]\n"            // 9
    "batch_size = [20, 30, 32]\n"                     // 10
    "[run]\n"                                         // 11
    "seed = 7\n";                                     // 12

const std::string kCsvConfig =
    "[data]\n"
    "train = \"train.csv\"\n"
    "test = \"test.csv\"\n"
    "[grid]\n"
    "epochs = [1]\n"
    "alpha = [0]\n"
    "learning_rate = [0.5]\n"
    "batch_size = [8]\n";

/// `text` with its first occurrence of `from` replaced by `to` (which must exist: a typo in a test
/// must not silently test the valid config).
std::string replace(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

/// A temp dir holding empty data files (load_config only checks that they exist) and a config.
struct Fixture {
    TempDir dir;
    fs::path config;

    explicit Fixture(const std::string& text, const std::string& name = "config.toml") {
        for (const char* file : {"train-images.gz", "train-labels.gz", "test-images.gz", "test-labels.gz",
                                 "train.csv", "test.csv"}) {
            write_file(dir.path() / file, "");
        }
        config = dir.path() / name;
        write_file(config, text);
    }
};

/// The message of the InputError that loading `file` throws; fails the test when nothing is thrown.
std::string load_error(const fs::path& file) {
    try {
        load_config(file);
    } catch (const InputError& e) {
        return e.what();
    }
    FAIL("load_config(" << file << ") accepted an invalid config");
    return {};
}

/// Loads `text` and checks the error is exactly "<file>:<line>: <key>: <what...>" on one line.
void expect_error(const std::string& text, int line, const std::string& key, const std::string& what) {
    Fixture fixture(text);
    const std::string message = load_error(fixture.config);
    INFO("message: " << message);
    const std::string prefix = fixture.config.string() + ":" + std::to_string(line) + ": " + key + ": ";
    CHECK(message.rfind(prefix, 0) == 0);
    CHECK(message.find(what, prefix.size()) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
}

fs::path source_dir() {
    if (const char* dir = std::getenv("HYPERGRID_SOURCE_DIR")) return dir;
    return fs::path(__FILE__).parent_path().parent_path();
}

}  // namespace

TEST_CASE("load_config reads an IDX config and resolves its paths", "[config]") {
    Fixture fixture(kIdxConfig);
    const fs::path dir = fixture.dir.path();
    const RunConfig config = load_config(fixture.config);

    CHECK(config.file == fixture.config);
    CHECK(config.data.train.images == dir / "train-images.gz");
    CHECK(config.data.train.labels == dir / "train-labels.gz");
    CHECK(config.data.train.csv.empty());
    CHECK(config.data.test.images == dir / "test-images.gz");
    CHECK(config.data.test.labels == dir / "test-labels.gz");
    CHECK(config.grid.epochs == std::vector<int>{5, 25, 35});
    CHECK(config.grid.alpha == std::vector<double>{0.1, 0.01, 0.001});
    CHECK(config.grid.learning_rate == std::vector<double>{1e-5, 5e-5, 1e-6});
    CHECK(config.grid.batch_size == std::vector<int>{20, 30, 32});
    CHECK(config.run.seed == 7);
}

TEST_CASE("load_config applies defaults for optional keys and tables", "[config]") {
    Fixture fixture(replace(kIdxConfig, "[run]\nseed = 7\n", ""));
    const RunConfig config = load_config(fixture.config);

    CHECK_FALSE(config.data.scale.has_value());
    CHECK(config.data.validation_fraction == 0.2);
    CHECK(config.data.limit_train == 0);
    CHECK(config.data.limit_test == 0);
    CHECK(config.run.seed == 1);
    CHECK(config.run.models_per_unit == 9);
    CHECK_FALSE(config.run.curves);
    // The default output is relative, so it lands next to the config like any other relative path.
    CHECK(config.run.output == fixture.dir.path() / "runs" / "hypergrid");
}

TEST_CASE("load_config reads every optional key", "[config]") {
    const std::string text = replace(kIdxConfig, "[grid]\n",
                                     "scale = 255\n"
                                     "validation_fraction = 0.25\n"
                                     "limit_train = 100\n"
                                     "limit_test = 50\n"
                                     "[grid]\n") +
                             "output = \"/tmp/elsewhere/../out\"\nmodels_per_unit = 4\ncurves = true\n";
    Fixture fixture(text);
    const RunConfig config = load_config(fixture.config);

    REQUIRE(config.data.scale.has_value());
    CHECK(*config.data.scale == 255.0);  // an integer is accepted where a number is expected
    CHECK(config.data.validation_fraction == 0.25);
    CHECK(config.data.limit_train == 100);
    CHECK(config.data.limit_test == 50);
    CHECK(config.run.output == fs::path("/tmp/out"));  // absolute, still normalised
    CHECK(config.run.models_per_unit == 4);
    CHECK(config.run.curves);
}

TEST_CASE("load_config reads a CSV config", "[config]") {
    Fixture fixture(kCsvConfig);
    const RunConfig config = load_config(fixture.config);

    CHECK(config.data.train.csv == fixture.dir.path() / "train.csv");
    CHECK(config.data.train.images.empty());
    CHECK(config.data.train.labels.empty());
    CHECK(config.data.test.csv == fixture.dir.path() / "test.csv");
    CHECK(config.grid.alpha == std::vector<double>{0.0});
}

TEST_CASE("load_config resolves relative paths against the config's directory", "[config]") {
    TempDir dir;
    write_file(dir.path() / "data" / "train.csv", "");
    write_file(dir.path() / "data" / "test.csv", "");
    const fs::path config_path = dir.path() / "configs" / "nested" / "run.toml";
    write_file(config_path, replace(replace(kCsvConfig, "\"train.csv\"", "\"../../data/./train.csv\""),
                                    "\"test.csv\"", "\"../../data/test.csv\"") +
                                "[run]\noutput = \"../runs/x/\"\n");

    // Given relative to the working directory, the config still anchors its own paths.
    const fs::path relative = fs::relative(config_path, fs::current_path());
    REQUIRE(relative.is_relative());
    const RunConfig config = load_config(relative);

    CHECK(config.file == relative);
    CHECK(config.data.train.csv == dir.path() / "data" / "train.csv");
    CHECK(config.data.test.csv == dir.path() / "data" / "test.csv");
    CHECK(config.data.train.csv.is_absolute());
    CHECK(config.run.output == dir.path() / "configs" / "runs" / "x" / "");
}

TEST_CASE("load_config reports the line of each element in a multi-line array", "[config]") {
    expect_error(replace(kIdxConfig, "epochs = [5, 25, 35]", "epochs = [\n  5,\n  0,\n]"), 9,
                 "grid.epochs[1]", "must be >= 1, got 0");
}

TEST_CASE("load_config rejects unknown keys and tables", "[config]") {
    SECTION("unknown key in [grid]") {
        expect_error(replace(kIdxConfig, "batch_size", "colour = \"red\"\nbatch_size"), 10, "grid.colour",
                     "unknown key");
    }
    SECTION("unknown key in [data]") {
        expect_error(replace(kIdxConfig, "[grid]", "scael = 2.0\n[grid]"), 6, "data.scael", "unknown key");
    }
    SECTION("unknown key in [run]") {
        expect_error(kIdxConfig + "sed = 3\n", 13, "run.sed", "unknown key");
    }
    SECTION("unknown table") {
        expect_error(kIdxConfig + "[model]\nlayers = 2\n", 13, "model", "unknown key");
    }
    SECTION("unknown sub-table") {
        expect_error(kIdxConfig + "[grid.extra]\nx = 1\n", 13, "grid.extra", "unknown key");
    }
    SECTION("the first unknown key in file order is reported") {
        expect_error(replace(kIdxConfig, "[run]", "zeta = 1\nbeta = 2\n[run]"), 11, "grid.zeta", "unknown key");
    }
}

TEST_CASE("load_config rejects values of the wrong type", "[config]") {
    SECTION("string for an integer") {
        expect_error(kIdxConfig + "models_per_unit = \"four\"\n", 13, "run.models_per_unit",
                     "expected an integer, got string");
    }
    SECTION("float for an integer") {
        expect_error(replace(kIdxConfig, "[5, 25, 35]", "[5.5]"), 7, "grid.epochs[0]",
                     "expected an integer, got float");
    }
    SECTION("integral float for an integer") {
        expect_error(replace(kIdxConfig, "[20, 30, 32]", "[20, 30.0]"), 10, "grid.batch_size[1]",
                     "expected an integer, got float");
    }
    SECTION("string for a number") {
        expect_error(replace(kIdxConfig, "[0.1, 0.01, 0.001]", "[0.1, \"0.01\"]"), 8, "grid.alpha[1]",
                     "expected a number, got string");
    }
    SECTION("scalar for an array") {
        expect_error(replace(kIdxConfig, "[1e-5, 5e-5, 1e-6]", "1e-5"), 9, "grid.learning_rate",
                     "expected an array, got float");
    }
    SECTION("number for a path") {
        expect_error(replace(kIdxConfig, "\"test-labels.gz\"", "3"), 5, "data.test_labels",
                     "expected a string, got integer");
    }
    SECTION("string for a boolean") {
        expect_error(kIdxConfig + "curves = \"yes\"\n", 13, "run.curves", "expected true or false, got string");
    }
    SECTION("value for a table") {
        expect_error("run = 3\n" + replace(kIdxConfig, "[run]\nseed = 7\n", ""), 1, "run",
                     "expected a table, got integer");
    }
    SECTION("non-finite number") {
        expect_error(replace(kIdxConfig, "[1e-5, 5e-5, 1e-6]", "[1e-5, inf]"), 9, "grid.learning_rate[1]",
                     "must be finite, got inf");
    }
}

TEST_CASE("load_config rejects out-of-range grid values", "[config]") {
    SECTION("empty list") {
        expect_error(replace(kIdxConfig, "[5, 25, 35]", "[]"), 7, "grid.epochs", "must not be empty");
    }
    SECTION("epochs 0") {
        expect_error(replace(kIdxConfig, "[5, 25, 35]", "[5, 0]"), 7, "grid.epochs[1]", "must be >= 1, got 0");
    }
    SECTION("batch_size 0") {
        expect_error(replace(kIdxConfig, "[20, 30, 32]", "[20, 30, 0]"), 10, "grid.batch_size[2]",
                     "must be >= 1, got 0");
    }
    SECTION("learning_rate 0") {
        expect_error(replace(kIdxConfig, "[1e-5, 5e-5, 1e-6]", "[0]"), 9, "grid.learning_rate[0]",
                     "must be > 0, got 0");
    }
    SECTION("learning_rate negative") {
        expect_error(replace(kIdxConfig, "[1e-5, 5e-5, 1e-6]", "[1e-5, -0.1]"), 9, "grid.learning_rate[1]",
                     "must be > 0, got -0.1");
    }
    SECTION("alpha negative") {
        expect_error(replace(kIdxConfig, "[0.1, 0.01, 0.001]", "[-0.5]"), 8, "grid.alpha[0]",
                     "must be >= 0, got -0.5");
    }
    SECTION("epochs beyond int") {
        expect_error(replace(kIdxConfig, "[5, 25, 35]", "[5000000000]"), 7, "grid.epochs[0]",
                     "must be <= 2147483647, got 5000000000");
    }
    SECTION("duplicate value") {
        expect_error(replace(kIdxConfig, "[0.1, 0.01, 0.001]", "[0.1, 0.01, 1e-1]"), 8, "grid.alpha[2]",
                     "duplicate value 0.1 (same as [0])");
    }
    SECTION("missing axis points at the [grid] header") {
        expect_error(replace(kIdxConfig, "batch_size = [20, 30, 32]\n", ""), 6, "grid.batch_size",
                     "missing required key");
    }
}

TEST_CASE("load_config rejects out-of-range data and run values", "[config]") {
    const auto with_data_key = [](const std::string& line) {
        return replace(kIdxConfig, "[grid]\n", line + "\n[grid]\n");
    };
    SECTION("validation_fraction 0") {
        expect_error(with_data_key("validation_fraction = 0"), 6, "data.validation_fraction",
                     "must be > 0, got 0");
    }
    SECTION("validation_fraction 1") {
        expect_error(with_data_key("validation_fraction = 1.0"), 6, "data.validation_fraction",
                     "must be < 1, got 1");
    }
    SECTION("validation_fraction 1.5") {
        expect_error(with_data_key("validation_fraction = 1.5"), 6, "data.validation_fraction",
                     "must be < 1, got 1.5");
    }
    SECTION("limit_train negative") {
        expect_error(with_data_key("limit_train = -1"), 6, "data.limit_train", "must be >= 0, got -1");
    }
    SECTION("limit_test negative") {
        expect_error(with_data_key("limit_test = -10"), 6, "data.limit_test", "must be >= 0, got -10");
    }
    SECTION("scale 0") {
        expect_error(with_data_key("scale = 0"), 6, "data.scale", "must be > 0, got 0");
    }
    SECTION("seed negative") {
        expect_error(replace(kIdxConfig, "seed = 7", "seed = -1"), 12, "run.seed", "must be >= 0, got -1");
    }
    SECTION("models_per_unit 0") {
        expect_error(kIdxConfig + "models_per_unit = 0\n", 13, "run.models_per_unit", "must be >= 1");
    }
    SECTION("empty output") {
        expect_error(kIdxConfig + "output = \"\"\n", 13, "run.output", "must not be empty");
    }
}

TEST_CASE("load_config rejects bad data sources", "[config]") {
    SECTION("missing file names its resolved path") {
        Fixture fixture(replace(kIdxConfig, "\"test-images.gz\"", "\"sub/../absent.gz\""));
        const std::string message = load_error(fixture.config);
        CHECK(message == fixture.config.string() + ":4: data.test_images: file not found: " +
                             (fixture.dir.path() / "absent.gz").string());
    }
    SECTION("a directory is not a data file") {
        Fixture fixture(replace(kIdxConfig, "\"train-labels.gz\"", "\".\""));
        const std::string message = load_error(fixture.config);
        CHECK(message.rfind(fixture.config.string() + ":3: data.train_labels: not a regular file: ", 0) == 0);
    }
    SECTION("empty path") {
        expect_error(replace(kIdxConfig, "\"train-images.gz\"", "\"\""), 2, "data.train_images",
                     "must not be empty");
    }
    SECTION("both CSV and IDX") {
        expect_error(replace(kIdxConfig, "[grid]", "train = \"train.csv\"\n[grid]"), 6, "data.train",
                     "not both");
    }
    SECTION("neither CSV nor IDX, at the [data] header") {
        const std::string text = replace(kIdxConfig, "test_images = \"test-images.gz\"\ntest_labels = \"test-labels.gz\"\n", "");
        expect_error("# leading comment\n" + text, 2, "data", "missing test data");
    }
    SECTION("images without labels") {
        expect_error(replace(kIdxConfig, "train_labels = \"train-labels.gz\"\n", ""), 1, "data.train_labels",
                     "missing required key");
    }
    SECTION("labels without images") {
        expect_error(replace(kIdxConfig, "test_images = \"test-images.gz\"\n", ""), 1, "data.test_images",
                     "missing required key");
    }
}

TEST_CASE("load_config rejects missing tables, bad TOML and missing files", "[config]") {
    SECTION("missing [grid]") {
        expect_error(kIdxConfig.substr(0, kIdxConfig.find("[grid]")), 1, "grid", "missing required table");
    }
    SECTION("missing [data]") {
        expect_error(kIdxConfig.substr(kIdxConfig.find("[grid]")), 1, "data", "missing required table");
    }
    SECTION("TOML syntax error reports toml++'s line") {
        expect_error(replace(kIdxConfig, "alpha = [0.1, 0.01, 0.001]", "alpha = [0.1, 0.01"), 9, "invalid TOML",
                     "");
    }
    SECTION("TOML duplicate key") {
        expect_error(kIdxConfig + "seed = 8\n", 13, "invalid TOML", "seed");
    }
    SECTION("missing config file") {
        TempDir dir;
        const fs::path missing = dir.path() / "absent.toml";
        const std::string message = load_error(missing);
        CHECK(message.rfind(missing.string() + ": cannot open config", 0) == 0);
    }
    SECTION("a directory as config file") {
        TempDir dir;
        const std::string message = load_error(dir.path());
        CHECK(message.rfind(dir.path().string() + ": cannot open config", 0) == 0);
    }
}

TEST_CASE("config_to_json writes the resolved config as one JSON object", "[config]") {
    Fixture fixture(replace(kIdxConfig, "[grid]", "validation_fraction = 0.1\n[grid]"));
    RunConfig config = load_config(fixture.config);
    const std::string json = config_to_json(config);
    const std::string dir = fixture.dir.path().string();
    INFO(json);

    CHECK(json.front() == '{');
    CHECK(json.back() == '}');
    CHECK(json.find('\n') == std::string::npos);
    CHECK(json.find("\"data\":{\"train\":{\"images\":\"" + dir + "/train-images.gz\",\"labels\":\"" + dir +
                    "/train-labels.gz\"},\"test\":{") != std::string::npos);
    CHECK(json.find("\"scale\":null") != std::string::npos);
    CHECK(json.find("\"validation_fraction\":0.1,") != std::string::npos);
    CHECK(json.find("\"limit_train\":0,\"limit_test\":0") != std::string::npos);
    CHECK(json.find("\"grid\":{\"epochs\":[5,25,35],\"alpha\":[0.1,0.01,0.001],"
                    "\"learning_rate\":[1e-05,5e-05,1e-06],\"batch_size\":[20,30,32]}") != std::string::npos);
    CHECK(json.find("\"run\":{\"seed\":7,\"output\":\"" + dir + "/runs/hypergrid\",\"models_per_unit\":9,\"schedule\":\"dynamic\",\"curves\":false}") !=
          std::string::npos);

    SECTION("CSV sources, a set scale and awkward strings") {
        config.data.train = {{}, {}, "/data/a \"quoted\"\\path\n.csv"};
        config.data.scale = 255.0;
        config.run.output = std::string("out\x01");
        const std::string other = config_to_json(config);
        INFO(other);
        CHECK(other.find("\"train\":{\"csv\":\"/data/a \\\"quoted\\\"\\\\path\\n.csv\"}") != std::string::npos);
        CHECK(other.find("\"scale\":255.0,") != std::string::npos);
        CHECK(other.find("\"output\":\"out\\u0001\"") != std::string::npos);
    }
    SECTION("doubles round-trip") {
        config.grid.alpha = {0.1 + 0.2};
        const std::string other = config_to_json(config);
        const auto at = other.find("\"alpha\":[") + 9;
        CHECK(std::stod(other.substr(at, other.find(']', at) - at)) == 0.1 + 0.2);
    }
}

TEST_CASE("every config in configs/ loads", "[config]") {
    const fs::path configs = source_dir() / "configs";
    INFO("configs dir: " << configs);
    REQUIRE(fs::is_directory(configs));
    int loaded = 0;
    for (const auto& entry : fs::directory_iterator(configs)) {
        if (entry.path().extension() != ".toml") continue;
        INFO("config: " << entry.path());
        RunConfig config;
        REQUIRE_NOTHROW(config = load_config(entry.path()));
        CHECK(config.run.output.is_absolute());
        ++loaded;
    }
    CHECK(loaded >= 3);
}

// ---------------------------------------------------------------------------------------------
// Range axes ({ start, stop, num, scale }) and the [search] table.

namespace {

/// kIdxConfig with the axis line `key = [...]` (lines 7-10) replaced by `key = VALUE`, line numbers kept.
std::string with_axis(const std::string& text, const std::string& key, const std::string& value) {
    const auto at = text.find("\n" + key + " = ");
    REQUIRE(at != std::string::npos);
    const auto end = text.find('\n', at + 1);
    return text.substr(0, at + 1) + key + " = " + value + text.substr(end);
}

/// kIdxConfig in random mode: [search] on line 13, mode 14, samples 15, then `extra` lines from 16.
std::string random_config(const std::string& extra = "") {
    return kIdxConfig + "[search]\nmode = \"random\"\nsamples = 30\n" + extra;
}

}  // namespace

TEST_CASE("load_config expands linear, log and integer ranges to their points", "[config]") {
    SECTION("log range: evenly spaced in log scale, endpoints exact") {
        Fixture fixture(with_axis(kIdxConfig, "alpha", "{ start = 1e-4, stop = 1e-1, num = 4, scale = \"log\" }"));
        const RunConfig config = load_config(fixture.config);
        const std::vector<double>& alpha = config.grid.alpha;
        REQUIRE(alpha.size() == 4);
        CHECK(alpha[1] == Approx(1e-3).epsilon(1e-12));
        CHECK(alpha[2] == Approx(1e-2).epsilon(1e-12));
        CHECK(alpha[3] == 1e-1);  // the last point is the stop itself
        INFO("first point " << std::hexfloat << alpha[0] << " vs start " << 1e-4);
        CHECK(alpha[0] == 1e-4);  // so is the first: the start, not exp(log(start))
        REQUIRE(config.grid.ranges[1].has_value());
        CHECK(config.grid.ranges[1]->start == 1e-4);
        CHECK(config.grid.ranges[1]->stop == 1e-1);
        CHECK(config.grid.ranges[1]->log);
        // The other axes were lists.
        CHECK_FALSE(config.grid.ranges[0].has_value());
        CHECK_FALSE(config.grid.ranges[2].has_value());
        CHECK_FALSE(config.grid.ranges[3].has_value());
        CHECK_FALSE(config.grid.random);
    }
    SECTION("log range endpoints are exact for awkward starts too") {
        for (const char* start : {"1e-5", "3e-7", "0.05", "7"}) {
            INFO("start " << start);
            Fixture fixture(with_axis(kIdxConfig, "learning_rate",
                                      std::string("{ start = ") + start + ", stop = 10, num = 3, scale = \"log\" }"));
            const RunConfig config = load_config(fixture.config);
            REQUIRE(config.grid.learning_rate.size() == 3);
            CHECK(config.grid.learning_rate.front() == std::stod(start));
            CHECK(config.grid.learning_rate.back() == 10.0);
            CHECK(config.grid.learning_rate[1] == Approx(std::sqrt(std::stod(start) * 10.0)).epsilon(1e-12));
        }
    }
    SECTION("linear range, scale omitted: evenly spaced") {
        Fixture fixture(with_axis(kIdxConfig, "learning_rate", "{ start = 0.1, stop = 0.5, num = 5 }"));
        const RunConfig config = load_config(fixture.config);
        const std::vector<double>& rate = config.grid.learning_rate;
        REQUIRE(rate.size() == 5);
        CHECK(rate[0] == 0.1);
        CHECK(rate[1] == Approx(0.2).epsilon(1e-12));
        CHECK(rate[2] == Approx(0.3).epsilon(1e-12));
        CHECK(rate[3] == Approx(0.4).epsilon(1e-12));
        CHECK(rate[4] == 0.5);
        REQUIRE(config.grid.ranges[2].has_value());
        CHECK_FALSE(config.grid.ranges[2]->log);  // linear by default
    }
    SECTION("explicit linear scale, and a one-point range is its start") {
        Fixture fixture(with_axis(with_axis(kIdxConfig, "alpha", "{ start = 0, stop = 1, num = 3, scale = \"linear\" }"),
                                  "learning_rate", "{ start = 0.25, stop = 0.75, num = 1 }"));
        const RunConfig config = load_config(fixture.config);
        CHECK(config.grid.alpha == std::vector<double>{0.0, 0.5, 1.0});
        CHECK(config.grid.learning_rate == std::vector<double>{0.25});
    }
    SECTION("start == stop with one point") {
        Fixture fixture(with_axis(kIdxConfig, "alpha", "{ start = 0.3, stop = 0.3, num = 1, scale = \"log\" }"));
        CHECK(load_config(fixture.config).grid.alpha == std::vector<double>{0.3});
    }
    SECTION("integer axes round to the nearest integer") {
        // 2, 4.33, 6.67, 9 -> 2, 4, 7, 9; log 16..256 in 3 points -> 16, 64, 256.
        Fixture fixture(with_axis(with_axis(kIdxConfig, "epochs", "{ start = 2, stop = 9, num = 4 }"), "batch_size",
                                  "{ start = 16, stop = 256, num = 3, scale = \"log\" }"));
        const RunConfig config = load_config(fixture.config);
        CHECK(config.grid.epochs == std::vector<int>{2, 4, 7, 9});
        CHECK(config.grid.batch_size == std::vector<int>{16, 64, 256});
        REQUIRE(config.grid.ranges[0].has_value());
        CHECK(config.grid.ranges[0]->start == 2.0);
        CHECK(config.grid.ranges[0]->stop == 9.0);
        REQUIRE(config.grid.ranges[3].has_value());
        CHECK(config.grid.ranges[3]->log);
    }
    SECTION("integer log range over a wide span") {
        // 1, 10, 100, 1000 up to rounding.
        Fixture fixture(with_axis(kIdxConfig, "batch_size", "{ start = 1, stop = 1000, num = 4, scale = \"log\" }"));
        CHECK(load_config(fixture.config).grid.batch_size == std::vector<int>{1, 10, 100, 1000});
    }
    SECTION("the grid is the product of the expanded axes") {
        Fixture fixture(with_axis(with_axis(kIdxConfig, "epochs", "{ start = 1, stop = 5, num = 5 }"), "alpha",
                                  "{ start = 1e-6, stop = 1e-2, num = 7, scale = \"log\" }"));
        const RunConfig config = load_config(fixture.config);
        CHECK(config.grid.epochs == std::vector<int>{1, 2, 3, 4, 5});
        CHECK(config.grid.alpha.size() == 7);
        for (std::size_t i = 1; i < config.grid.alpha.size(); ++i) {
            // 4 decades over 6 steps: a constant ratio of 10^(2/3).
            CHECK(config.grid.alpha[i] / config.grid.alpha[i - 1] == Approx(std::pow(10.0, 2.0 / 3.0)).epsilon(1e-9));
        }
    }
}

TEST_CASE("load_config rejects bad ranges, naming the key and the line", "[config]") {
    SECTION("stop < start") {
        expect_error(with_axis(kIdxConfig, "alpha", "{ start = 0.1, stop = 0.01, num = 3 }"), 8, "grid.alpha.stop",
                     "must be >= start (0.1)");
    }
    SECTION("integer stop < start") {
        expect_error(with_axis(kIdxConfig, "epochs", "{ start = 10, stop = 5, num = 2 }"), 7, "grid.epochs.stop",
                     "must be >= start (10)");
    }
    SECTION("log range with start 0") {
        expect_error(with_axis(kIdxConfig, "alpha", "{ start = 0, stop = 0.1, num = 3, scale = \"log\" }"), 8,
                     "grid.alpha.scale", "a log range needs start > 0");
    }
    SECTION("log range with a negative start (the start's own limit speaks first)") {
        expect_error(with_axis(kIdxConfig, "alpha", "{ start = -1, stop = 0.1, num = 3, scale = \"log\" }"), 8,
                     "grid.alpha.start", "must be >= 0, got -1");
    }
    SECTION("unknown scale") {
        expect_error(with_axis(kIdxConfig, "alpha", "{ start = 1e-4, stop = 0.1, num = 3, scale = \"exp\" }"), 8,
                     "grid.alpha.scale", "must be \"log\" or \"linear\", got \"exp\"");
    }
    SECTION("scale of the wrong type") {
        expect_error(with_axis(kIdxConfig, "alpha", "{ start = 1e-4, stop = 0.1, num = 3, scale = 10 }"), 8,
                     "grid.alpha.scale", "expected a string, got integer");
    }
    SECTION("unknown key in the range") {
        expect_error(with_axis(kIdxConfig, "learning_rate", "{ start = 0.1, stop = 0.5, num = 3, step = 0.1 }"), 9,
                     "grid.learning_rate.step", "unknown key");
    }
    SECTION("misspelt num") {
        expect_error(with_axis(kIdxConfig, "learning_rate", "{ start = 0.1, stop = 0.5, nun = 3 }"), 9,
                     "grid.learning_rate.nun", "unknown key");
    }
    SECTION("num missing in grid mode") {
        expect_error(with_axis(kIdxConfig, "epochs", "{ start = 1, stop = 10 }"), 7, "grid.epochs.num",
                     "missing required key");
    }
    SECTION("num missing with an explicit grid mode") {
        expect_error(with_axis(kIdxConfig, "alpha", "{ start = 0, stop = 1 }") + "[search]\nmode = \"grid\"\n", 8,
                     "grid.alpha.num", "missing required key");
    }
    SECTION("num 0") {
        expect_error(with_axis(kIdxConfig, "epochs", "{ start = 1, stop = 10, num = 0 }"), 7, "grid.epochs.num",
                     "must be >= 1, got 0");
    }
    SECTION("num negative") {
        expect_error(with_axis(kIdxConfig, "alpha", "{ start = 0, stop = 1, num = -3 }"), 8, "grid.alpha.num",
                     "must be >= 1, got -3");
    }
    SECTION("num above a million") {
        expect_error(with_axis(kIdxConfig, "alpha", "{ start = 0, stop = 1, num = 1000001 }"), 8, "grid.alpha.num",
                     "must be <= 1000000, got 1000001");
    }
    SECTION("num not an integer") {
        expect_error(with_axis(kIdxConfig, "alpha", "{ start = 0, stop = 1, num = 2.5 }"), 8, "grid.alpha.num",
                     "expected an integer, got float");
    }
    SECTION("num out of range in random mode too") {
        expect_error(with_axis(random_config(), "alpha", "{ start = 0, stop = 1, num = 0 }"), 8, "grid.alpha.num",
                     "must be >= 1, got 0");
    }
    SECTION("missing start") {
        expect_error(with_axis(kIdxConfig, "alpha", "{ stop = 1, num = 2 }"), 8, "grid.alpha.start",
                     "missing required key");
    }
    SECTION("missing stop") {
        expect_error(with_axis(kIdxConfig, "alpha", "{ start = 0, num = 2 }"), 8, "grid.alpha.stop",
                     "missing required key");
    }
    SECTION("start below the axis's limit") {
        expect_error(with_axis(kIdxConfig, "learning_rate", "{ start = 0, stop = 1, num = 2 }"), 9,
                     "grid.learning_rate.start", "must be > 0, got 0");
        expect_error(with_axis(kIdxConfig, "epochs", "{ start = 0, stop = 10, num = 2 }"), 7, "grid.epochs.start",
                     "must be >= 1, got 0");
    }
    SECTION("an integer axis with a fractional end") {
        expect_error(with_axis(kIdxConfig, "epochs", "{ start = 1, stop = 2.6, num = 2 }"), 7, "grid.epochs.stop",
                     "expected an integer, got float");
    }
    SECTION("stop above the integer limit") {
        expect_error(with_axis(kIdxConfig, "batch_size", "{ start = 1, stop = 3000000000, num = 2 }"), 10,
                     "grid.batch_size.stop", "must be <= 2147483647");
    }
    SECTION("non-finite stop") {
        expect_error(with_axis(kIdxConfig, "alpha", "{ start = 0, stop = inf, num = 2 }"), 8, "grid.alpha.stop",
                     "must be finite");
    }
    SECTION("integer range that rounds two points to the same value") {
        // 1, 1.5, 2, 2.5, 3 -> 1, 2, 2, ...
        expect_error(with_axis(kIdxConfig, "epochs", "{ start = 1, stop = 3, num = 5 }"), 7, "grid.epochs",
                     "range gives the value 2 twice");
        // 8 points in [16, 20], which holds 5 integers, must collide.
        expect_error(with_axis(kIdxConfig, "batch_size", "{ start = 16, stop = 20, num = 8, scale = \"log\" }"), 10,
                     "grid.batch_size", "twice");
        // One point more than the integers in the range.
        expect_error(with_axis(kIdxConfig, "epochs", "{ start = 1, stop = 1, num = 2 }"), 7, "grid.epochs",
                     "range gives the value 1 twice");
    }
    SECTION("a float range with start == stop and num > 1 repeats its value") {
        expect_error(with_axis(kIdxConfig, "alpha", "{ start = 0.5, stop = 0.5, num = 3 }"), 8, "grid.alpha",
                     "range gives the value 0.5 twice");
    }
    SECTION("a float log range with start == stop and num > 1 repeats its value") {
        // exp(log(7)) is 6.9999999999999991: the points 7, 6.9999999999999991, 7 repeat 7, though not
        // side by side; the run would train the same trial twice.
        expect_error(with_axis(kIdxConfig, "alpha", "{ start = 7, stop = 7, num = 3, scale = \"log\" }"), 8,
                     "grid.alpha", "range gives the value 7 twice");
    }
}

TEST_CASE("load_config loads a range axis with many points", "[config]") {
    // (Checking 1e5 points for repeats pairwise took 21 s; how fast it is now is for benchmarks.)
    Fixture fixture(with_axis(kIdxConfig, "alpha", "{ start = 0, stop = 1, num = 100000 }"));
    const RunConfig config = load_config(fixture.config);
    CHECK(config.grid.alpha.size() == 100000);
    CHECK(config.grid.alpha.front() == 0.0);
    CHECK(config.grid.alpha.back() == 1.0);
}

TEST_CASE("load_config reads the [search] table", "[config]") {
    SECTION("no [search]: grid mode") {
        Fixture fixture(kIdxConfig);
        const RunConfig config = load_config(fixture.config);
        CHECK_FALSE(config.grid.random);
        CHECK(config.grid.samples == 0);
    }
    SECTION("mode = \"grid\" is the default mode") {
        Fixture fixture(kIdxConfig + "[search]\nmode = \"grid\"\n");
        const RunConfig config = load_config(fixture.config);
        CHECK_FALSE(config.grid.random);
        CHECK(config.grid.epochs == std::vector<int>{5, 25, 35});
    }
    SECTION("an empty [search] is grid mode") {
        Fixture fixture(kIdxConfig + "[search]\n");
        CHECK_FALSE(load_config(fixture.config).grid.random);
    }
    SECTION("random mode: samples, seed defaulting to [run] seed") {
        Fixture fixture(random_config());
        const RunConfig config = load_config(fixture.config);
        CHECK(config.grid.random);
        CHECK(config.grid.samples == 30);
        CHECK(config.grid.search_seed == 7);
        CHECK(config.run.seed == 7);
        CHECK(config.grid.alpha == std::vector<double>{0.1, 0.01, 0.001});  // lists stay lists
    }
    SECTION("random mode without [run]: the search seed is the default run seed") {
        Fixture fixture(replace(kIdxConfig, "[run]\nseed = 7\n", "") +
                        "[search]\nmode = \"random\"\nsamples = 5\n");
        const RunConfig config = load_config(fixture.config);
        CHECK(config.grid.search_seed == config.run.seed);
        CHECK(config.run.seed == 1);
    }
    SECTION("[search] before [run] still defaults to the run seed") {
        Fixture fixture(replace(kIdxConfig, "[run]\n", "[search]\nmode = \"random\"\nsamples = 4\n[run]\n"));
        const RunConfig config = load_config(fixture.config);
        CHECK(config.grid.search_seed == 7);
    }
    SECTION("an explicit seed") {
        Fixture fixture(random_config("seed = 12345\n"));
        const RunConfig config = load_config(fixture.config);
        CHECK(config.grid.search_seed == 12345);
        CHECK(config.run.seed == 7);  // the run seed is untouched
    }
    SECTION("seed 0 is a seed") {
        Fixture fixture(random_config("seed = 0\n"));
        CHECK(load_config(fixture.config).grid.search_seed == 0);
    }
    SECTION("random mode: a range without num is kept as a range, one with num is expanded") {
        Fixture fixture(with_axis(with_axis(random_config(), "alpha", "{ start = 1e-5, stop = 1e-1, scale = \"log\" }"),
                                  "epochs", "{ start = 1, stop = 7, num = 3 }"));
        const RunConfig config = load_config(fixture.config);
        CHECK(config.grid.alpha.empty());
        REQUIRE(config.grid.ranges[1].has_value());
        CHECK(config.grid.ranges[1]->start == 1e-5);
        CHECK(config.grid.ranges[1]->stop == 1e-1);
        CHECK(config.grid.ranges[1]->log);
        CHECK(config.grid.epochs == std::vector<int>{1, 4, 7});
        REQUIRE(config.grid.ranges[0].has_value());
        CHECK(config.grid.ranges[0]->start == 1.0);
    }
    SECTION("config_to_json names the mode, and samples and seed in random mode") {
        Fixture grid_fixture(kIdxConfig);
        CHECK(config_to_json(load_config(grid_fixture.config)).find("\"search\":{\"mode\":\"grid\"}") != std::string::npos);
        Fixture random_fixture(random_config("seed = 9\n"));
        const std::string json = config_to_json(load_config(random_fixture.config));
        INFO(json);
        CHECK(json.find("\"search\":{\"mode\":\"random\",\"samples\":30,\"seed\":9,\"ranges\":{") != std::string::npos);
    }
}

TEST_CASE("load_config rejects bad [search] tables", "[config]") {
    SECTION("samples in grid mode (default)") {
        expect_error(kIdxConfig + "[search]\nsamples = 10\n", 14, "search.samples", "only in random mode");
    }
    SECTION("samples in explicit grid mode") {
        expect_error(kIdxConfig + "[search]\nmode = \"grid\"\nsamples = 10\n", 15, "search.samples",
                     "only in random mode");
    }
    SECTION("random mode without samples: at the [search] header") {
        expect_error(kIdxConfig + "[search]\nmode = \"random\"\n", 13, "search.samples", "missing required key");
    }
    SECTION("samples 0") {
        expect_error(replace(random_config(), "samples = 30", "samples = 0"), 15, "search.samples",
                     "must be >= 1, got 0");
    }
    SECTION("samples not an integer") {
        expect_error(replace(random_config(), "samples = 30", "samples = 3.5"), 15, "search.samples",
                     "expected an integer, got float");
    }
    SECTION("unknown key") {
        expect_error(random_config("sampels = 4\n"), 16, "search.sampels", "unknown key");
    }
    SECTION("unknown key in grid mode") {
        expect_error(kIdxConfig + "[search]\nstrategy = \"bayes\"\n", 14, "search.strategy", "unknown key");
    }
    SECTION("bad mode") {
        expect_error(kIdxConfig + "[search]\nmode = \"bayes\"\n", 14, "search.mode",
                     "must be \"grid\", \"random\" or \"halving\", got \"bayes\"");
    }
    SECTION("mode of the wrong type") {
        expect_error(kIdxConfig + "[search]\nmode = 1\n", 14, "search.mode", "expected a string, got integer");
    }
    SECTION("negative seed") {
        expect_error(random_config("seed = -1\n"), 16, "search.seed", "must be >= 0, got -1");
    }
    SECTION("[search] not a table") {
        expect_error("search = 3\n" + kIdxConfig, 1, "search", "expected a table, got integer");
    }
}

// ---------------------------------------------------------------------------------------------
// k-fold cross-validation and successive halving (issue #20)

TEST_CASE("load_config reads folds and halving", "[config]") {
    SECTION("folds") {
        Fixture fixture(replace(kIdxConfig, "[grid]", "folds = 5\n[grid]"));
        const RunConfig config = load_config(fixture.config);
        CHECK(config.data.folds == 5);
        CHECK(hypergrid::config_to_json(config).find("\"folds\":5") != std::string::npos);
    }
    SECTION("no folds by default") {
        Fixture fixture(kIdxConfig);
        CHECK(load_config(fixture.config).data.folds == 0);
    }
    SECTION("halving, factor default 3") {
        Fixture fixture(kIdxConfig + "[search]\nmode = \"halving\"\n");
        const RunConfig config = load_config(fixture.config);
        CHECK(config.grid.halving);
        CHECK_FALSE(config.grid.random);
        CHECK(config.grid.factor == 3);
    }
    SECTION("halving with samples: drawn configurations, ranges without num") {
        Fixture fixture(replace(kIdxConfig, "alpha = [0.1, 0.01, 0.001]", "alpha = { start = 1e-4, stop = 1e-1, scale = \"log\" }") +
                        "[search]\nmode = \"halving\"\nsamples = 20\n");
        const RunConfig config = load_config(fixture.config);
        CHECK(config.grid.halving);
        CHECK(config.grid.samples == 20);
        CHECK(config.grid.alpha.empty());
    }
    SECTION("halving with factor 2") {
        Fixture fixture(kIdxConfig + "[search]\nmode = \"halving\"\nfactor = 2\n");
        const RunConfig config = load_config(fixture.config);
        CHECK(config.grid.factor == 2);
        CHECK(hypergrid::config_to_json(config).find("\"mode\":\"halving\",\"factor\":2") != std::string::npos);
    }
}

TEST_CASE("load_config refuses bad folds and halving settings", "[config]") {
    SECTION("folds of 1") {
        expect_error(replace(kIdxConfig, "[grid]", "folds = 1\n[grid]"), 6, "data.folds", "must be >= 2, got 1");
    }
    SECTION("folds with validation_fraction") {
        expect_error(replace(kIdxConfig, "[grid]", "validation_fraction = 0.2\nfolds = 3\n[grid]"), 7, "data.folds",
                     "remove data.validation_fraction");
    }
    SECTION("folds not an integer") {
        expect_error(replace(kIdxConfig, "[grid]", "folds = 2.5\n[grid]"), 6, "data.folds", "expected an integer");
    }
    SECTION("factor below 2") {
        expect_error(kIdxConfig + "[search]\nmode = \"halving\"\nfactor = 1\n", 15, "search.factor", "must be >= 2, got 1");
    }
    SECTION("factor not an integer") {
        expect_error(kIdxConfig + "[search]\nmode = \"halving\"\nfactor = 2.5\n", 15, "search.factor", "expected an integer");
    }
    SECTION("factor outside halving") {
        expect_error(kIdxConfig + "[search]\nfactor = 3\n", 14, "search.factor", "only in halving mode");
    }
    SECTION("halving with one epochs value") {
        expect_error(replace(kIdxConfig, "[5, 25, 35]", "[5]") + "[search]\nmode = \"halving\"\n", 7, "grid.epochs",
                     "halving needs at least 2 epochs values");
    }
    SECTION("halving's epochs need their values (a range needs num)") {
        expect_error(replace(kIdxConfig, "[5, 25, 35]", "{ start = 1, stop = 9 }") + "[search]\nmode = \"halving\"\nsamples = 4\n",
                     7, "grid.epochs.num", "missing required key");
    }
    SECTION("an unknown mode names halving") {
        expect_error(kIdxConfig + "[search]\nmode = \"asha\"\n", 14, "search.mode", "\"halving\"");
    }
}
