#pragma once
// Internal helpers shared by the IDX, NPY and CSV loaders: reading a whole (possibly gzipped) file,
// the error convention, overflow-checked sizes, and decoding typed binary arrays.

#include "hypergrid/io/table.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hypergrid::io::detail {

inline constexpr bool host_is_big_endian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;

// Memory for a whole file's bytes, which are always written before they are read: never zero-filled,
// and, from 2 MiB up, advised to use transparent huge pages. Faulting in Fashion-MNIST's 47 MB of
// training images then takes ~9 ms instead of ~28 ms (zero-fill plus 11,500 small-page faults).
void* allocate_file_buffer(std::size_t bytes);
void free_file_buffer(void* p) noexcept;

template <class T>
struct FileBufferAllocator {
    using value_type = T;
    FileBufferAllocator() = default;
    template <class U>
    FileBufferAllocator(const FileBufferAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(allocate_file_buffer(n * sizeof(T))); }
    void deallocate(T* p, std::size_t) noexcept { free_file_buffer(p); }
    template <class U>
    void construct(U* p) noexcept {  // default-initialised: resize() leaves the bytes as they are
        ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
    template <class U>
    bool operator==(const FileBufferAllocator<U>&) const noexcept { return true; }
    template <class U>
    bool operator!=(const FileBufferAllocator<U>&) const noexcept { return false; }
};

// A file's bytes, raw or inflated.
using Bytes = std::vector<unsigned char, FileBufferAllocator<unsigned char>>;

// Throws InputError("<file>: <what>").
[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what);

// The whole content of `file`, gunzipped when it starts with the gzip magic 1f 8b. Throws InputError
// when the file cannot be read, the gzip stream is corrupt or truncated, or the content is empty.
Bytes read_file_bytes(const std::filesystem::path& file);

// gzip data (one member or several, concatenated) inflated whole by libdeflate, 2.5x faster than
// zlib's inflate on Fashion-MNIST, into `out`; false when it fails, without saying why.
bool gunzip_fast(const Bytes& in, Bytes& out);

// The same with zlib, streaming: slower, but its InputError says what is wrong (truncated, corrupt,
// trailing garbage). read_file_bytes calls it only when gunzip_fast fails.
Bytes gunzip_zlib(const std::filesystem::path& file, const Bytes& in);

// Element types of the binary formats.
enum class ElementType { u8, i8, u16, i16, u32, i32, u64, i64, f32, f64 };

std::size_t element_size(ElementType type);
bool is_integer(ElementType type);
// Short name for messages: "ubyte", "int16", "float32", ...
const char* element_name(ElementType type);

// A typed array inside a byte buffer; `big_endian` is ignored for one-byte types.
struct RawArray {
    const unsigned char* data = nullptr;
    ElementType type = ElementType::u8;
    bool big_endian = false;
    std::int64_t count = 0;
};

// dims[0] * dims[1] * ... (1 for no dims) times `item_size` in bytes; fails naming `file` when a
// product of the dims overflows (even when another dim is 0), so callers may multiply any of them.
std::int64_t checked_byte_count(const std::filesystem::path& file, const std::vector<std::int64_t>& dims,
                                std::size_t item_size);

// `text` in single quotes for a one-line message: at most 40 characters, control characters as '?'.
std::string quoted(std::string_view text);

// "60000 x 28 x 28"
std::string format_dims(const std::vector<std::int64_t>& dims);

// Fails unless the `available` bytes after a header are exactly the `expected` ones; `layout`
// describes what the header declares, e.g. "60000 x 784 ubyte".
void check_data_size(const std::filesystem::path& file, const std::string& layout, std::int64_t expected,
                     std::int64_t available);

// `rows` x `cols` features of `array`, which lies in `bytes` (integer_source when the type is an
// integer type). Fails on zero rows or columns; its decode_into fails on a non-finite value
// (including a double beyond float range). `shape` describes the array's dimensions for messages.
FeatureTable feature_table(const std::filesystem::path& file, std::shared_ptr<const Bytes> bytes,
                           const RawArray& array, std::int64_t rows, std::int64_t cols, const std::string& shape);

// Converts integer labels; fails when there are none, or on a negative value or one beyond int32.
std::vector<std::int32_t> decode_labels(const std::filesystem::path& file, const RawArray& array);

}  // namespace hypergrid::io::detail
