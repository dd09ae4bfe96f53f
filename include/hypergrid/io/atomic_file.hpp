#pragma once
/// @file atomic_file.hpp
/// Files that appear whole or not at all: written under a temporary name in their directory, then
/// flushed and renamed into place. The temporary is created exclusively (O_CREAT | O_EXCL |
/// O_NOFOLLOW: never through a file or symlink someone placed in a shared output directory),
/// removed when the writer fails, and recognisable by its name, so one left by a killed run is
/// removed at the next start in that directory.

#include <cstddef>
#include <filesystem>
#include <string>

namespace hypergrid::io {

class AtomicFile {
public:
    /// Creates the temporary for `file`: ".<name>.hypergrid-tmp.<pid>.<n>" beside it. Every
    /// failure throws std::system_error: "<file>: cannot write: <the system's reason>".
    explicit AtomicFile(const std::filesystem::path& file);
    /// Removes the temporary unless committed.
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(const void* data, std::size_t size);
    /// Flushes the temporary to disk, closes it and renames it over the file.
    void commit();

    const std::filesystem::path& temporary() const { return temporary_; }

private:
    std::filesystem::path file_;
    std::filesystem::path temporary_;
    int fd_ = -1;
};

/// True for the names AtomicFile gives its temporaries.
bool is_temporary_name(const std::string& name);

/// Removes the temporaries a killed run left in `directory` (best effort; never follows a symlink).
void remove_stale_temporary_files(const std::filesystem::path& directory);

}  // namespace hypergrid::io
