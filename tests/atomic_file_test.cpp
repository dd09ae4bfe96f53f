// io::AtomicFile: whole or nothing, exclusive temporaries, no debris.

#include "hypergrid/io/atomic_file.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include <unistd.h>

namespace fs = std::filesystem;
using hypergrid::io::AtomicFile;

namespace {

/// A fresh directory under the system's temporary one, removed at the end of the test.
struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("hypergrid-atomic-" + std::to_string(::getpid()));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

std::string content_of(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::size_t entries(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
    return n;
}

/// The number an AtomicFile's temporary name ends with.
unsigned long counter_of(const fs::path& temporary) {
    const std::string name = temporary.filename().string();
    return std::stoul(name.substr(name.rfind('.') + 1));
}

}  // namespace

TEST_CASE("AtomicFile appears whole on commit and leaves nothing when abandoned", "[atomic_file]") {
    const TempDir dir;
    const fs::path file = dir.path / "out.txt";
    {
        AtomicFile out(file);
        CHECK(hypergrid::io::is_temporary_name(out.temporary().filename().string()));
        CHECK(out.temporary().parent_path() == dir.path);
        out.write("hello", 5);
        CHECK_FALSE(fs::exists(file));  // not yet
        out.commit();
    }
    CHECK(content_of(file) == "hello");
    CHECK(entries(dir.path) == 1);
    {
        AtomicFile out(file);
        out.write("half", 4);
    }  // a failure before commit: the old file stays, the temporary goes
    CHECK(content_of(file) == "hello");
    CHECK(entries(dir.path) == 1);
}

TEST_CASE("AtomicFile never writes through a planted name or symlink", "[atomic_file]") {
    const TempDir dir;
    const fs::path victim = dir.path / "victim";
    std::ofstream(victim) << "keep";
    const fs::path file = dir.path / "summary.json";
    unsigned long next = 0;
    {
        const AtomicFile probe(file);
        next = counter_of(probe.temporary()) + 1;
    }
    // The next names this process would pick: symlinks to the victim, and one plain file.
    const std::string stem = "." + file.filename().string() + ".hypergrid-tmp." + std::to_string(::getpid()) + ".";
    for (unsigned long n = next; n < next + 5; ++n) fs::create_symlink(victim, dir.path / (stem + std::to_string(n)));
    std::ofstream(dir.path / (stem + std::to_string(next + 5))) << "someone's";
    {
        AtomicFile out(file);
        CHECK(counter_of(out.temporary()) == next + 6);
        out.write("{}", 2);
        out.commit();
    }
    CHECK(content_of(file) == "{}");
    CHECK(content_of(victim) == "keep");
    CHECK(content_of(dir.path / (stem + std::to_string(next + 5))) == "someone's");

    // What a killed run left is removed at the next start: the names, never the symlinks' targets.
    hypergrid::io::remove_stale_temporary_files(dir.path);
    CHECK(entries(dir.path) == 2);  // victim and summary.json
    CHECK(content_of(victim) == "keep");
}

TEST_CASE("AtomicFile names the file and the system's reason when it cannot write", "[atomic_file]") {
    const TempDir dir;
    const fs::path file = dir.path / "missing" / "out.txt";
    try {
        AtomicFile out(file);
        FAIL("no error");
    } catch (const std::system_error& error) {
        const std::string message = error.what();
        CHECK(message.find(file.string() + ": cannot write") == 0);
        CHECK(message.find("No such file or directory") != std::string::npos);
    }
}
