#include "hypergrid/io/npy.hpp"

#include "file_bytes.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <memory>
#include <string>
#include <string_view>

namespace hypergrid::io {

namespace {

using detail::ElementType;
using detail::fail;

constexpr char npy_magic[] = "\x93NUMPY";
constexpr std::size_t npy_magic_size = 6;

struct NpyHeader {
    std::string descr;
    bool fortran_order = false;
    std::vector<std::int64_t> shape;
};

// Parses the header's Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
public:
    HeaderParser(const std::filesystem::path& file, std::string_view text) : file_(file), text_(text) {}

    NpyHeader parse() {
        NpyHeader header;
        bool seen_descr = false, seen_order = false, seen_shape = false;
        expect('{');
        while (!consume('}')) {
            const std::string key = parse_string();
            expect(':');
            if (key == "descr") {
                skip_space();
                if (pos_ < text_.size() && text_[pos_] == '[') fail(file_, "structured dtypes are not supported");
                header.descr = parse_string();
                mark_seen(seen_descr, key);
            } else if (key == "fortran_order") {
                header.fortran_order = parse_bool();
                mark_seen(seen_order, key);
            } else if (key == "shape") {
                header.shape = parse_shape();
                mark_seen(seen_shape, key);
            } else {
                fail(file_, "malformed header: unexpected key " + detail::quoted(key));
            }
            if (!consume(',')) {
                expect('}');
                break;
            }
        }
        skip_space();
        if (pos_ != text_.size()) error("unexpected text after the dict");
        for (const auto& [seen, key] :
             {std::pair{seen_descr, "descr"}, {seen_order, "fortran_order"}, {seen_shape, "shape"}}) {
            if (!seen) fail(file_, std::string("malformed header: missing key '") + key + "'");
        }
        return header;
    }

private:
    [[noreturn]] void error(const std::string& what) const {
        fail(file_, "malformed header: " + what + " at offset " + std::to_string(pos_));
    }

    void mark_seen(bool& seen, const std::string& key) const {
        if (seen) fail(file_, "malformed header: duplicate key " + detail::quoted(key));
        seen = true;
    }

    void skip_space() {
        while (pos_ < text_.size() && std::string_view(" \t\r\n").find(text_[pos_]) != std::string_view::npos) ++pos_;
    }

    bool consume(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    void expect(char c) {
        if (!consume(c)) error(std::string("expected '") + c + "'");
    }

    std::string parse_string() {
        skip_space();
        if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) error("expected a quoted string");
        const char quote = text_[pos_++];
        const std::size_t end = text_.find(quote, pos_);
        if (end == std::string_view::npos) error("unterminated string");
        std::string value(text_.substr(pos_, end - pos_));
        pos_ = end + 1;
        return value;
    }

    bool parse_bool() {
        skip_space();
        for (const bool value : {true, false}) {
            const std::string_view word = value ? "True" : "False";
            if (text_.substr(pos_, word.size()) == word) {
                pos_ += word.size();
                return value;
            }
        }
        error("expected True or False for 'fortran_order'");
    }

    std::vector<std::int64_t> parse_shape() {
        std::vector<std::int64_t> shape;
        expect('(');
        while (!consume(')')) {
            shape.push_back(parse_dimension());
            if (!consume(',')) {
                expect(')');
                break;
            }
        }
        return shape;
    }

    std::int64_t parse_dimension() {
        skip_space();
        const std::size_t start = pos_;
        std::int64_t value = 0;
        while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
            if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, text_[pos_] - '0', &value)) {
                fail(file_, "absurd dimension in 'shape' (overflows 64 bits)");
            }
            ++pos_;
        }
        if (pos_ == start) error("expected a non-negative integer in 'shape'");
        if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 long literal, e.g. (60000L, 784L)
        return value;
    }

    const std::filesystem::path& file_;
    std::string_view text_;
    std::size_t pos_ = 0;
};

std::string format_shape(const std::vector<std::int64_t>& shape) {
    std::string text = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) text += ", ";
        text += std::to_string(shape[i]);
    }
    return text + (shape.size() == 1 ? ",)" : ")");
}

struct ParsedDtype {
    ElementType type;
    bool big_endian;
};

std::optional<ParsedDtype> parse_dtype(std::string_view descr) {
    if (descr.size() != 3) return std::nullopt;
    bool big_endian = false;
    switch (descr[0]) {
        case '<': big_endian = false; break;
        case '>': big_endian = true; break;
        case '|':
        case '=': big_endian = detail::host_is_big_endian; break;
        default: return std::nullopt;
    }
    const char kind = descr[1];
    const char size = descr[2];
    static constexpr struct {
        char kind, size;
        ElementType type;
    } known[] = {{'u', '1', ElementType::u8},  {'i', '1', ElementType::i8},  {'u', '2', ElementType::u16},
                 {'i', '2', ElementType::i16}, {'u', '4', ElementType::u32}, {'i', '4', ElementType::i32},
                 {'u', '8', ElementType::u64}, {'i', '8', ElementType::i64}, {'f', '4', ElementType::f32},
                 {'f', '8', ElementType::f64}};
    for (const auto& entry : known) {
        if (entry.kind == kind && entry.size == size) return ParsedDtype{entry.type, big_endian};
    }
    return std::nullopt;
}

// A validated .npy file: its header and the typed data after it.
struct NpyArray {
    std::shared_ptr<const detail::Bytes> bytes;  // shared with the FeatureTable
    NpyHeader header;
    detail::RawArray data;
};

std::uint32_t read_le(const unsigned char* p, std::size_t size) {
    std::uint32_t value = 0;
    for (std::size_t i = size; i-- > 0;) value = value << 8 | p[i];
    return value;
}

NpyArray read_npy(const std::filesystem::path& file) {
    NpyArray npy;
    npy.bytes = std::make_shared<const detail::Bytes>(detail::read_file_bytes(file));
    const detail::Bytes& bytes = *npy.bytes;
    if (bytes.size() < npy_magic_size + 2 || std::memcmp(bytes.data(), npy_magic, npy_magic_size) != 0) {
        fail(file, "bad magic, expected a .npy file (\\x93NUMPY)");
    }
    const unsigned major = bytes[6], minor = bytes[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0) {
        fail(file, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor));
    }
    const std::size_t length_size = major == 1 ? 2 : 4;
    const std::size_t prefix_size = npy_magic_size + 2 + length_size;
    if (bytes.size() < prefix_size) fail(file, "truncated header");
    const std::size_t header_length = read_le(bytes.data() + npy_magic_size + 2, length_size);
    if (bytes.size() - prefix_size < header_length) {
        fail(file, "truncated header: it claims " + std::to_string(header_length) + " bytes, file has " +
                       std::to_string(bytes.size() - prefix_size) + " after the prefix");
    }
    const std::string_view text(reinterpret_cast<const char*>(bytes.data() + prefix_size), header_length);
    npy.header = HeaderParser(file, text).parse();

    const std::optional<ParsedDtype> dtype = parse_dtype(npy.header.descr);
    if (!dtype) fail(file, "unsupported dtype " + detail::quoted(npy.header.descr));
    if (npy.header.fortran_order) fail(file, "fortran_order arrays are not supported (save with C order)");

    const std::size_t data_offset = prefix_size + header_length;
    const std::int64_t data_size =
        detail::checked_byte_count(file, npy.header.shape, detail::element_size(dtype->type));
    const auto available = static_cast<std::int64_t>(bytes.size() - data_offset);
    detail::check_data_size(file, "shape " + format_shape(npy.header.shape) + " of '" + npy.header.descr + "'",
                            data_size, available);
    const std::int64_t count = data_size / static_cast<std::int64_t>(detail::element_size(dtype->type));
    npy.data = {bytes.data() + data_offset, dtype->type, dtype->big_endian, count};
    return npy;
}

class OutputFile {
public:
    explicit OutputFile(const std::filesystem::path& file) : file_(file), handle_(std::fopen(file.c_str(), "wb")) {
        if (!handle_) fail(file_, "cannot open for writing: " + std::string(std::strerror(errno)));
    }
    ~OutputFile() {
        if (handle_) std::fclose(handle_);
    }
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    void write(const void* data, std::size_t size) {
        if (size > 0 && std::fwrite(data, 1, size, handle_) != size) {
            fail(file_, "cannot write: " + std::string(std::strerror(errno)));
        }
    }
    // fclose reports errors of buffered writes (e.g. a full disk), so it is checked too.
    void close() {
        std::FILE* handle = handle_;
        handle_ = nullptr;
        if (std::fclose(handle) != 0) fail(file_, "cannot write: " + std::string(std::strerror(errno)));
    }

private:
    const std::filesystem::path& file_;
    std::FILE* handle_;
};

}  // namespace

FeatureTable read_npy_features(const std::filesystem::path& file) {
    const NpyArray npy = read_npy(file);
    const std::vector<std::int64_t>& shape = npy.header.shape;
    if (shape.size() != 2 && shape.size() != 3) {
        fail(file, "features need a 2-D or 3-D array, shape is " + format_shape(shape));
    }
    const ElementType type = npy.data.type;
    if (type != ElementType::u8 && type != ElementType::f32 && type != ElementType::f64) {
        fail(file,
             "unsupported dtype " + detail::quoted(npy.header.descr) + " for features (expected |u1, <f4 or <f8)");
    }
    const std::int64_t rows = shape[0];
    const std::int64_t cols = shape.size() == 2 ? shape[1] : shape[1] * shape[2];  // the byte count was checked
    return detail::feature_table(file, npy.bytes, npy.data, rows, cols, "shape " + format_shape(shape));
}

std::vector<std::int32_t> read_npy_labels(const std::filesystem::path& file) {
    const NpyArray npy = read_npy(file);
    if (npy.header.shape.size() != 1) {
        fail(file, "labels need a 1-D array, shape is " + format_shape(npy.header.shape));
    }
    if (!detail::is_integer(npy.data.type)) {
        fail(file, "unsupported dtype " + detail::quoted(npy.header.descr) + " for labels (expected an integer type)");
    }
    return detail::decode_labels(file, npy.data);
}

void write_npy(const std::filesystem::path& file, const float* data, const std::vector<std::int64_t>& shape) {
    OutputFile out(file);
    write_npy([&](const void* bytes, std::size_t size) { out.write(bytes, size); }, data, shape);
    out.close();
}

void write_npy(const std::function<void(const void* bytes, std::size_t size)>& write, const float* data,
               const std::vector<std::int64_t>& shape) {
    if (shape.empty() || shape.size() > 2) throw std::invalid_argument("write_npy: shape must be 1-D or 2-D");
    std::int64_t count = 1;
    for (const std::int64_t dim : shape) {
        if (dim < 0 || __builtin_mul_overflow(count, dim, &count)) {
            throw std::invalid_argument("write_npy: bad shape " + format_shape(shape));
        }
    }

    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + format_shape(shape) + ", }";
    // Pad with spaces and a final newline so that magic + version + length + header is a multiple of 64.
    const std::size_t prefix_size = npy_magic_size + 2 + 2;
    const std::size_t unpadded = prefix_size + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';

    std::string prefix(npy_magic, npy_magic_size);
    prefix += '\x01';
    prefix += '\x00';
    prefix += static_cast<char>(header.size() & 0xff);
    prefix += static_cast<char>(header.size() >> 8);

    write(prefix.data(), prefix.size());
    write(header.data(), header.size());
    const auto values = static_cast<std::size_t>(count);
    if constexpr (detail::host_is_big_endian) {
        for (std::size_t i = 0; i < values; ++i) {
            std::uint32_t bits;
            std::memcpy(&bits, data + i, 4);
            bits = __builtin_bswap32(bits);
            write(&bits, 4);
        }
    } else {
        write(data, values * sizeof(float));
    }
}

FloatArray read_npy_floats(const std::filesystem::path& file) {
    const NpyArray npy = read_npy(file);
    const std::vector<std::int64_t>& shape = npy.header.shape;
    if (npy.data.type != ElementType::f32 && npy.data.type != ElementType::f64)
        fail(file, "unsupported dtype " + detail::quoted(npy.header.descr) + " (expected <f4 or <f8)");
    if (shape.empty() || shape.size() > 2) fail(file, "expected a 1-D or 2-D array, shape is " + format_shape(shape));
    // As one row of a table (a 1-D array) or rows x cols: the feature decoder checks every value.
    const std::int64_t rows = shape.size() == 2 ? shape[0] : 1;
    const std::int64_t cols = shape.back();
    return {shape, detail::feature_table(file, npy.bytes, npy.data, rows, cols, "shape " + format_shape(shape)).values()};
}

std::string npy_bytes(const float* data, const std::vector<std::int64_t>& shape) {
    std::string bytes;
    write_npy([&](const void* part, std::size_t size) { bytes.append(static_cast<const char*>(part), size); }, data, shape);
    return bytes;
}

}  // namespace hypergrid::io
