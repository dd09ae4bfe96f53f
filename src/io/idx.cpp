#include "hypergrid/io/idx.hpp"

#include "file_bytes.hpp"

#include <cstdio>
#include <memory>
#include <string>

namespace hypergrid::io {

namespace {

using detail::ElementType;
using detail::fail;

// A validated IDX file: its dimensions and the typed data after the header.
struct IdxArray {
    std::shared_ptr<const detail::Bytes> bytes;  // shared with the FeatureTable
    std::vector<std::int64_t> dims;
    detail::RawArray data;
};

std::uint32_t read_be32(const unsigned char* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}

std::string hex32(std::uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08X", static_cast<unsigned>(value));
    return text;
}

ElementType element_type(const std::filesystem::path& file, unsigned char code) {
    switch (code) {
        case 0x08: return ElementType::u8;
        case 0x09: return ElementType::i8;
        case 0x0B: return ElementType::i16;
        case 0x0C: return ElementType::i32;
        case 0x0D: return ElementType::f32;
        case 0x0E: return ElementType::f64;
        default: {
            char text[8];
            std::snprintf(text, sizeof text, "0x%02X", static_cast<unsigned>(code));
            fail(file, std::string("unsupported IDX element type ") + text);
        }
    }
}

IdxArray read_idx(const std::filesystem::path& file) {
    IdxArray idx;
    idx.bytes = std::make_shared<const detail::Bytes>(detail::read_file_bytes(file));
    const detail::Bytes& bytes = *idx.bytes;
    if (bytes.size() < 4) {
        fail(file, "too short for an IDX file (" + std::to_string(bytes.size()) + " bytes)");
    }
    if (bytes[0] != 0 || bytes[1] != 0)
        fail(file, "bad magic " + hex32(read_be32(bytes.data())) + ", expected an IDX file");

    const ElementType type = element_type(file, bytes[2]);
    const std::size_t rank = bytes[3];
    const std::size_t header_size = 4 + 4 * rank;
    if (bytes.size() < header_size) {
        fail(file, "truncated header: rank " + std::to_string(rank) + " needs " + std::to_string(header_size) +
                       " bytes, file has " + std::to_string(bytes.size()));
    }
    for (std::size_t i = 0; i < rank; ++i) idx.dims.push_back(read_be32(bytes.data() + 4 + 4 * i));

    const std::int64_t data_size = detail::checked_byte_count(file, idx.dims, detail::element_size(type));
    const auto available = static_cast<std::int64_t>(bytes.size() - header_size);
    detail::check_data_size(file, detail::format_dims(idx.dims) + " " + detail::element_name(type), data_size,
                            available);

    const std::int64_t count = data_size / static_cast<std::int64_t>(detail::element_size(type));
    idx.data = {bytes.data() + header_size, type, /*big_endian=*/true, count};
    return idx;
}

}  // namespace

FeatureTable read_idx_features(const std::filesystem::path& file) {
    const IdxArray idx = read_idx(file);
    if (idx.dims.size() < 2) {
        fail(file, "features need an IDX file of rank >= 2 (examples x features...), this one has rank " +
                       std::to_string(idx.dims.size()));
    }
    const std::int64_t rows = idx.dims[0];
    const std::int64_t cols = rows > 0 ? idx.data.count / rows : 0;
    return detail::feature_table(file, idx.bytes, idx.data, rows, cols, "dimensions " + detail::format_dims(idx.dims));
}

std::vector<std::int32_t> read_idx_labels(const std::filesystem::path& file) {
    const IdxArray idx = read_idx(file);
    if (idx.dims.size() != 1) {
        fail(file, "labels need an IDX file of rank 1, this one has rank " + std::to_string(idx.dims.size()));
    }
    if (!detail::is_integer(idx.data.type)) {
        fail(file,
             std::string("labels must have an integer type, this file holds ") + detail::element_name(idx.data.type));
    }
    return detail::decode_labels(file, idx.data);
}

}  // namespace hypergrid::io
