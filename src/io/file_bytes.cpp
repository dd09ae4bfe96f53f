#include "file_bytes.hpp"

#include "hypergrid/digest.hpp"
#include "hypergrid/errors.hpp"
#include "hypergrid/text_format.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <type_traits>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

namespace hypergrid::io::detail {

namespace {

// zlib counts bytes in 32-bit uInt, so larger buffers are handed over in pieces.
constexpr std::size_t zlib_chunk = std::size_t{1} << 30;

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() { ::close(fd_); }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

std::string errno_text(int error) { return std::strerror(error); }

Bytes read_raw(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(file, "cannot open: " + errno_text(errno));
    const FileDescriptor guard(fd);

    struct stat info {};
    if (::fstat(fd, &info) != 0) fail(file, "cannot stat: " + errno_text(errno));
    if (S_ISDIR(info.st_mode)) fail(file, "cannot read: " + errno_text(EISDIR));

    // One byte more than a regular file's size, so the final zero-length read needs no regrowth;
    // pipes and other special files start small and double.
    std::size_t capacity = S_ISREG(info.st_mode) ? static_cast<std::size_t>(info.st_size) + 1 : 1 << 16;
    Bytes bytes(capacity);
    std::size_t used = 0;
    for (;;) {
        if (used == bytes.size()) bytes.resize(bytes.size() * 2);
        const ssize_t n = ::read(fd, bytes.data() + used, std::min(bytes.size() - used, zlib_chunk));
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(file, "cannot read: " + errno_text(errno));
        }
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    bytes.resize(used);
    return bytes;
}

bool has_gzip_magic(const unsigned char* data, std::size_t size) {
    return size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

class InflateStream {
public:
    explicit InflateStream(const std::filesystem::path& file) {
        // 16 + MAX_WBITS: expect a gzip wrapper and verify its CRC-32 and length trailer.
        if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) fail(file, "cannot initialise zlib");
    }
    ~InflateStream() { inflateEnd(&stream_); }
    InflateStream(const InflateStream&) = delete;
    InflateStream& operator=(const InflateStream&) = delete;
    z_stream* get() { return &stream_; }

private:
    z_stream stream_{};
};

/// The first output buffer's size: the trailer's ISIZE (length mod 2^32), capped because a corrupt
/// trailer must not make us allocate gigabytes up front (the buffer grows when needed).
std::size_t gunzipped_size_hint(const Bytes& in) {
    std::size_t hint = 0;
    if (in.size() >= 18) {
        const unsigned char* t = in.data() + in.size() - 4;
        hint = std::size_t{t[0]} | std::size_t{t[1]} << 8 | std::size_t{t[2]} << 16 | std::size_t{t[3]} << 24;
    }
    return std::max<std::size_t>(std::min(hint, in.size() * 16), 1 << 16);
}

class Decompressor {
public:
    Decompressor() : handle_(libdeflate_alloc_decompressor()) {
        if (!handle_) throw std::bad_alloc();
    }
    ~Decompressor() { libdeflate_free_decompressor(handle_); }
    Decompressor(const Decompressor&) = delete;
    Decompressor& operator=(const Decompressor&) = delete;
    libdeflate_decompressor* get() const { return handle_; }

private:
    libdeflate_decompressor* handle_;
};

}  // namespace

bool gunzip_fast(const Bytes& in, Bytes& out) {
    const Decompressor inflater;
    out.resize(gunzipped_size_hint(in));
    std::size_t read = 0, produced = 0;
    while (read < in.size()) {
        if (!has_gzip_magic(in.data() + read, in.size() - read)) return false;
        std::size_t member_in = 0, member_out = 0;
        const libdeflate_result result = libdeflate_gzip_decompress_ex(
            inflater.get(), in.data() + read, in.size() - read, out.data() + produced, out.size() - produced,
            &member_in, &member_out);
        if (result == LIBDEFLATE_INSUFFICIENT_SPACE) {
            out.resize(out.size() * 2);  // and inflate this member again
            continue;
        }
        if (result != LIBDEFLATE_SUCCESS) return false;
        read += member_in;
        produced += member_out;
    }
    out.resize(produced);
    return true;
}

Bytes gunzip_zlib(const std::filesystem::path& file, const Bytes& in) {
    Bytes out(gunzipped_size_hint(in));

    InflateStream inflater(file);
    z_stream* zs = inflater.get();
    std::size_t fed = 0;  // input bytes handed to zlib so far
    std::size_t produced = 0;
    for (;;) {
        if (zs->avail_in == 0 && fed < in.size()) {
            const std::size_t piece = std::min(in.size() - fed, zlib_chunk);
            zs->next_in = const_cast<unsigned char*>(in.data() + fed);  // zlib's API predates const
            zs->avail_in = static_cast<uInt>(piece);
            fed += piece;
        }
        if (produced == out.size()) out.resize(out.size() * 2);
        const std::size_t room = std::min(out.size() - produced, zlib_chunk);
        zs->next_out = out.data() + produced;
        zs->avail_out = static_cast<uInt>(room);

        const int status = inflate(zs, Z_NO_FLUSH);
        produced += room - zs->avail_out;
        const std::size_t unread = in.size() - fed + zs->avail_in;

        if (status == Z_STREAM_END) {
            if (unread == 0) break;
            // Concatenated gzip members decompress to the concatenation of their contents.
            if (!has_gzip_magic(in.data() + in.size() - unread, unread)) {
                fail(file, std::to_string(unread) + " bytes of trailing garbage after the gzip data");
            }
            if (inflateReset(zs) != Z_OK) fail(file, "cannot reset zlib");
            continue;
        }
        if (status == Z_BUF_ERROR || (status == Z_OK && unread == 0 && zs->avail_out != 0)) {
            if (unread == 0) fail(file, "truncated gzip data (unexpected end of file)");
            continue;  // the output buffer was full; it grows on the next pass
        }
        if (status != Z_OK) {
            fail(file,
                 std::string("corrupt gzip data: ") + (zs->msg ? zs->msg : "inflate error " + std::to_string(status)));
        }
    }
    out.resize(produced);
    return out;
}

namespace {

Bytes gunzip(const std::filesystem::path& file, const Bytes& in) {
    Bytes out;
    return gunzip_fast(in, out) ? out : gunzip_zlib(file, in);
}

template <typename T>
T load(const unsigned char* p, bool swap) {
    if constexpr (sizeof(T) == 1) {
        T value;
        std::memcpy(&value, p, 1);
        return value;
    } else {
        using Bits = std::conditional_t<sizeof(T) == 2, std::uint16_t,
                                        std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>;
        Bits bits;
        std::memcpy(&bits, p, sizeof bits);
        if (swap) {
            if constexpr (sizeof(T) == 2) bits = __builtin_bswap16(bits);
            if constexpr (sizeof(T) == 4) bits = __builtin_bswap32(bits);
            if constexpr (sizeof(T) == 8) bits = __builtin_bswap64(bits);
        }
        T value;
        std::memcpy(&value, &bits, sizeof value);
        return value;
    }
}

// Calls f with a value of the C++ type matching `type` (used only for its type).
template <typename F>
decltype(auto) with_element_type(ElementType type, F&& f) {
    switch (type) {
        case ElementType::u8: return f(std::uint8_t{});
        case ElementType::i8: return f(std::int8_t{});
        case ElementType::u16: return f(std::uint16_t{});
        case ElementType::i16: return f(std::int16_t{});
        case ElementType::u32: return f(std::uint32_t{});
        case ElementType::i32: return f(std::int32_t{});
        case ElementType::u64: return f(std::uint64_t{});
        case ElementType::i64: return f(std::int64_t{});
        case ElementType::f32: return f(float{});
        case ElementType::f64: return f(double{});
    }
    return f(std::uint8_t{});  // unreachable: every enumerator is handled above
}

}  // namespace

void* allocate_file_buffer(std::size_t bytes) {
    constexpr std::size_t huge_page = std::size_t{2} << 20;
    if (bytes < huge_page) {
        if (void* p = std::malloc(std::max<std::size_t>(bytes, 1))) return p;
        throw std::bad_alloc();
    }
    const std::size_t rounded = (bytes + huge_page - 1) / huge_page * huge_page;
    void* p = std::aligned_alloc(huge_page, rounded);
    if (!p) throw std::bad_alloc();
    ::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: without huge pages, small ones serve
    return p;
}

void free_file_buffer(void* p) noexcept { std::free(p); }

void fail(const std::filesystem::path& file, const std::string& what) { throw InputError(file.string() + ": " + what); }

Bytes read_file_bytes(const std::filesystem::path& file) {
    Bytes bytes = read_raw(file);
    if (bytes.empty()) fail(file, "empty file");
    if (has_gzip_magic(bytes.data(), bytes.size())) {
        bytes = gunzip(file, bytes);
        if (bytes.empty()) fail(file, "empty file (after gunzip)");
    }
    return bytes;
}

std::size_t element_size(ElementType type) {
    return with_element_type(type, [](auto tag) { return sizeof(tag); });
}

bool is_integer(ElementType type) {
    return with_element_type(type, [](auto tag) { return std::is_integral_v<decltype(tag)>; });
}

const char* element_name(ElementType type) {
    switch (type) {
        case ElementType::u8: return "ubyte";
        case ElementType::i8: return "byte";
        case ElementType::u16: return "uint16";
        case ElementType::i16: return "int16";
        case ElementType::u32: return "uint32";
        case ElementType::i32: return "int32";
        case ElementType::u64: return "uint64";
        case ElementType::i64: return "int64";
        case ElementType::f32: return "float32";
        case ElementType::f64: return "float64";
    }
    return "?";
}

std::int64_t checked_byte_count(const std::filesystem::path& file, const std::vector<std::int64_t>& dims,
                                std::size_t item_size) {
    // Zero dims are skipped in the overflow check so that any partial product of the dims fits too.
    std::int64_t nonzero_product = static_cast<std::int64_t>(item_size);
    bool empty = false;
    for (const std::int64_t dim : dims) {
        if (dim < 0 || (dim > 0 && __builtin_mul_overflow(nonzero_product, dim, &nonzero_product))) {
            fail(file, "absurd dimensions " + format_dims(dims) + " (the size overflows)");
        }
        empty = empty || dim == 0;
    }
    return empty ? 0 : nonzero_product;
}

std::string quoted(std::string_view text) {
    constexpr std::size_t max_shown = 40;
    std::string result = "'";
    for (const char c : text.substr(0, max_shown))
        result += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
    if (text.size() > max_shown) result += "...";
    return result + "'";
}

std::string format_dims(const std::vector<std::int64_t>& dims) {
    std::string text;
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i > 0) text += " x ";
        text += std::to_string(dims[i]);
    }
    return text.empty() ? "(scalar)" : text;
}

void check_data_size(const std::filesystem::path& file, const std::string& layout, std::int64_t expected,
                     std::int64_t available) {
    const std::string claim = "header says " + layout + " (" + std::to_string(expected) + " bytes of data), file has " +
                              std::to_string(available);
    if (available < expected) fail(file, "truncated: " + claim);
    if (available > expected)
        fail(file, std::to_string(available - expected) + " trailing bytes after the data: " + claim);
}

FeatureTable feature_table(const std::filesystem::path& file, std::shared_ptr<const Bytes> bytes,
                           const RawArray& array, std::int64_t rows, std::int64_t cols, const std::string& shape) {
    if (rows == 0) fail(file, "no examples (" + shape + ")");
    if (cols == 0) fail(file, "examples have no features (" + shape + ")");
    FeatureTable table;
    table.rows = rows;
    table.cols = cols;
    table.integer_source = is_integer(array.type);
    table.digest = Digest().add(bytes->data(), bytes->size()).value();
    table.decode_into = [file, bytes = std::move(bytes), array, cols](float* out, double divisor) {
        with_element_type(array.type, [&](auto tag) {
            using T = decltype(tag);
            const bool swap = sizeof(T) > 1 && array.big_endian != host_is_big_endian;
            for (std::int64_t i = 0; i < array.count; ++i) {
                const T value = load<T>(array.data + static_cast<std::size_t>(i) * sizeof(T), swap);
                const auto converted = static_cast<float>(value);
                if constexpr (std::is_floating_point_v<T>) {
                    // Also catches doubles beyond float range, which become infinite.
                    if (!std::isfinite(converted)) {
                        fail(file, "value " + format_number(static_cast<double>(value)) + " at row " +
                                       std::to_string(i / cols) + ", column " + std::to_string(i % cols) +
                                       " is not a finite float");
                    }
                }
                out[i] = scaled(converted, divisor);
            }
        });
    };
    return table;
}

std::vector<std::int32_t> decode_labels(const std::filesystem::path& file, const RawArray& array) {
    if (array.count == 0) fail(file, "no labels (0 entries)");
    std::vector<std::int32_t> labels(static_cast<std::size_t>(array.count));
    with_element_type(array.type, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_floating_point_v<T>) {
            fail(file, std::string("labels must be integers, the file holds ") + element_name(array.type));
        } else {
            const bool swap = sizeof(T) > 1 && array.big_endian != host_is_big_endian;
            for (std::int64_t i = 0; i < array.count; ++i) {
                const T value = load<T>(array.data + static_cast<std::size_t>(i) * sizeof(T), swap);
                if constexpr (std::is_signed_v<T>) {
                    if (value < 0) {
                        fail(file, "negative label " + std::to_string(value) + " at index " + std::to_string(i));
                    }
                }
                if (static_cast<std::uint64_t>(value) > std::numeric_limits<std::int32_t>::max()) {
                    fail(file, "label " + std::to_string(value) + " at index " + std::to_string(i) +
                                   " is too large (the maximum is 2147483647)");
                }
                labels[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(value);
            }
        }
    });
    return labels;
}

}  // namespace hypergrid::io::detail
