#pragma once
/// @file temp_dir.hpp
/// Test helpers: a temporary directory removed on destruction, and writers for raw and gzip files.

#include <filesystem>
#include <string>
#include <string_view>

namespace hypergrid::testing {

/// A fresh, uniquely named directory under the system temp directory, removed with its contents
/// when the object is destroyed.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    /// The path of `name` inside the directory (not created).
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

/// Writes `bytes` to `file` exactly (binary), replacing it. Throws std::runtime_error on failure.
void write_bytes(const std::filesystem::path& file, std::string_view bytes);

/// `bytes` compressed as a single-member gzip stream.
std::string gzip(std::string_view bytes);

/// Writes `bytes` gzip-compressed to `file`.
void write_gz(const std::filesystem::path& file, std::string_view bytes);

}  // namespace hypergrid::testing
