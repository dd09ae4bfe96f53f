#include "hypergrid/io/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace hypergrid::io {
namespace {

constexpr const char* kMarker = ".hypergrid-tmp.";

[[noreturn]] void fail(const std::filesystem::path& file, const char* what, int error) {
    throw std::system_error(error, std::generic_category(), file.string() + ": " + what);
}

}  // namespace

AtomicFile::AtomicFile(const std::filesystem::path& file) : file_(file) {
    static std::atomic<unsigned> counter{0};
    // O_EXCL fails on any existing name, a symlink included, and O_NOFOLLOW on a symlink: a name
    // someone planted is skipped for the next one, never written through.
    for (int attempt = 0; fd_ < 0; ++attempt) {
        temporary_ = file.parent_path() / ("." + file.filename().string() + kMarker + std::to_string(::getpid()) + "." +
                                           std::to_string(counter++));
        fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd_ < 0 && (errno != EEXIST || attempt >= 100)) fail(file_, "cannot write", errno);
    }
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!temporary_.empty()) ::unlink(temporary_.c_str());
}

void AtomicFile::write(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t written = ::write(fd_, bytes, size);
        if (written < 0) {
            if (errno == EINTR) continue;
            fail(file_, "cannot write", errno);
        }
        bytes += written;
        size -= static_cast<std::size_t>(written);
    }
}

void AtomicFile::commit() {
    if (::fsync(fd_) != 0) fail(file_, "cannot flush", errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail(file_, "cannot write", errno);
    if (std::rename(temporary_.c_str(), file_.c_str()) != 0) fail(file_, "cannot rename into place", errno);
    temporary_.clear();
}

bool is_temporary_name(const std::string& name) {
    return !name.empty() && name[0] == '.' && name.find(kMarker) != std::string::npos;
}

void remove_stale_temporary_files(const std::filesystem::path& directory) {
    std::error_code error;
    for (std::filesystem::directory_iterator entry(directory, error), end; !error && entry != end; entry.increment(error)) {
        const std::string name = entry->path().filename().string();
        if (is_temporary_name(name)) ::unlink(entry->path().c_str());  // unlink removes a symlink, not its target
    }
}

}  // namespace hypergrid::io
