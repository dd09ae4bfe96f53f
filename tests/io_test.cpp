#include "hypergrid/dataset.hpp"
#include "hypergrid/errors.hpp"
#include "hypergrid/io/csv.hpp"
#include "hypergrid/io/idx.hpp"
#include "hypergrid/io/npy.hpp"
#include "io/file_bytes.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace hypergrid;
using Catch::Contains;
using hypergrid::testing::TempDir;
using hypergrid::testing::write_bytes;
using hypergrid::testing::write_gz;

namespace {

std::string be32(std::uint32_t value) {
    return {static_cast<char>(value >> 24), static_cast<char>(value >> 16), static_cast<char>(value >> 8),
            static_cast<char>(value)};
}

// An IDX file: magic 00 00 <type> <rank>, big-endian dims, then `data` as given.
std::string idx_file(unsigned char type, const std::vector<std::uint32_t>& dims, const std::string& data) {
    std::string bytes{'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
    for (const std::uint32_t dim : dims) bytes += be32(dim);
    return bytes + data;
}

std::string ubytes(const std::vector<int>& values) {
    std::string bytes;
    for (const int v : values) bytes += static_cast<char>(v);
    return bytes;
}

// Float32 values in the given byte order.
std::string float_bytes(const std::vector<float>& values, bool big_endian) {
    std::string bytes;
    for (const float v : values) {
        char raw[4];
        std::memcpy(raw, &v, 4);
        if (big_endian) std::reverse(raw, raw + 4);  // the test machines are little-endian
        bytes.append(raw, 4);
    }
    return bytes;
}

template <typename T>
std::string le_bytes(const std::vector<T>& values) {
    std::string bytes;
    for (const T v : values) bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
    return bytes;
}

// A .npy file with the given header dict, padded the way numpy pads it.
std::string npy_file(const std::string& dict, const std::string& data, int major = 1) {
    const std::size_t length_size = major == 1 ? 2 : 4;
    std::string header = dict;
    while ((6 + 2 + length_size + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string bytes = "\x93NUMPY";
    bytes += static_cast<char>(major);
    bytes += '\0';
    for (std::size_t i = 0; i < length_size; ++i) bytes += static_cast<char>(header.size() >> (8 * i));
    return bytes + header + data;
}

std::string read_all(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

// ---------------------------------------------------------------------------------------------- IDX

TEST_CASE("IDX ubyte features and labels round trip, raw and gzipped", "[io]") {
    TempDir dir;
    const std::string images = idx_file(0x08, {3, 2, 2}, ubytes({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255}));
    const std::string labels = idx_file(0x08, {3}, ubytes({7, 0, 2}));
    write_bytes(dir / "images.idx", images);
    write_gz(dir / "images.idx.gz", images);
    write_bytes(dir / "labels.idx", labels);
    write_gz(dir / "labels.idx.gz", labels);

    for (const char* name : {"images.idx", "images.idx.gz"}) {
        const io::FeatureTable table = io::read_idx_features(dir / name);
        CHECK(table.rows == 3);
        CHECK(table.cols == 4);  // 2 x 2 flattened
        CHECK(table.integer_source);
        CHECK(table.values() == std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255});
    }
    for (const char* name : {"labels.idx", "labels.idx.gz"}) {
        CHECK(io::read_idx_labels(dir / name) == std::vector<std::int32_t>{7, 0, 2});
    }
}

TEST_CASE("A dataset's digest changes with its files' content, its labels and its scale, not with gzip", "[io]") {
    TempDir dir;
    const std::string labels = idx_file(0x08, {2}, ubytes({1, 0}));
    write_bytes(dir / "labels.idx", labels);
    write_bytes(dir / "other_labels.idx", idx_file(0x08, {2}, ubytes({1, 1})));
    auto digest = [&](const std::string& images, const char* labels_file = "labels.idx",
                      std::optional<double> scale = std::nullopt, bool gz = false) {
        const auto file = dir / (gz ? "images.idx.gz" : "images.idx");
        gz ? write_gz(file, images) : write_bytes(file, images);
        const ReadDataset read = read_dataset({file, dir / labels_file, {}}, scale);
        CHECK(read.decode().digest == read.digest());
        return read.digest();
    };
    const std::string images = idx_file(0x08, {2, 3}, ubytes({0, 1, 2, 3, 4, 5}));
    const std::uint64_t base = digest(images);
    CHECK(digest(images) == base);
    CHECK(digest(images, "labels.idx", std::nullopt, true) == base);  // the content counts, not its encoding
    CHECK(digest(images, "labels.idx", 255.0) == base);               // 255 is the default for bytes

    std::set<std::uint64_t> seen{base};
    CHECK(seen.insert(digest(idx_file(0x08, {2, 3}, ubytes({0, 1, 2, 3, 4, 6})))).second);  // a value
    CHECK(seen.insert(digest(idx_file(0x09, {2, 3}, ubytes({0, 1, 2, 3, 4, 5})))).second);  // the type (signed)
    CHECK(seen.insert(digest(images, "other_labels.idx")).second);
    CHECK(seen.insert(digest(images, "labels.idx", 1.0)).second);
}

TEST_CASE("IDX reads big-endian float, short and int data of any rank", "[io]") {
    TempDir dir;
    write_bytes(dir / "f.idx", idx_file(0x0D, {2, 3}, float_bytes({0.5f, -1.25f, 3, 4, 5, 1e-3f}, true)));
    const io::FeatureTable floats = io::read_idx_features(dir / "f.idx");
    CHECK(floats.rows == 2);
    CHECK(floats.cols == 3);
    CHECK_FALSE(floats.integer_source);
    CHECK(floats.values() == std::vector<float>{0.5f, -1.25f, 3, 4, 5, 1e-3f});

    // int16 -2 = FF FE, 300 = 01 2C; rank 4 flattens the last three dims.
    write_bytes(dir / "s.idx", idx_file(0x0B, {1, 1, 1, 2}, ubytes({0xFF, 0xFE, 0x01, 0x2C})));
    const io::FeatureTable shorts = io::read_idx_features(dir / "s.idx");
    CHECK(shorts.rows == 1);
    CHECK(shorts.cols == 2);
    CHECK(shorts.integer_source);
    CHECK(shorts.values() == std::vector<float>{-2, 300});

    write_bytes(dir / "l.idx", idx_file(0x0C, {2}, be32(123456) + be32(0)));
    CHECK(io::read_idx_labels(dir / "l.idx") == std::vector<std::int32_t>{123456, 0});
}

TEST_CASE("IDX rejects corrupt headers and sizes", "[io]") {
    TempDir dir;
    const auto file = dir / "bad.idx";

    SECTION("bad magic") {
        write_bytes(file, ubytes({0x50, 0x4B, 0x08, 0x02}) + be32(1) + be32(1) + "x");
        REQUIRE_THROWS_WITH(io::read_idx_features(file),
                            Contains("bad.idx: bad magic 0x504B0802, expected an IDX file"));
    }
    SECTION("unsupported element type") {
        write_bytes(file, idx_file(0x0A, {1, 1}, "x"));
        REQUIRE_THROWS_WITH(io::read_idx_features(file), Contains("unsupported IDX element type 0x0A"));
    }
    SECTION("truncated data") {
        write_bytes(file, idx_file(0x08, {3, 2, 2}, std::string(11, '\1')));
        REQUIRE_THROWS_WITH(io::read_idx_features(file),
                            Contains("truncated: header says 3 x 2 x 2 ubyte (12 bytes of data), file has 11"));
    }
    SECTION("header claims far more than the file holds") {
        write_bytes(file, idx_file(0x0E, {60000, 784}, std::string(1234, '\0')));
        REQUIRE_THROWS_WITH(
            io::read_idx_features(file),
            Contains("truncated: header says 60000 x 784 float64 (376320000 bytes of data), file has 1234"));
    }
    SECTION("dimensions whose product overflows") {
        write_bytes(file, idx_file(0x0C, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, "abcd"));
        REQUIRE_THROWS_WITH(io::read_idx_features(file),
                            Contains("absurd dimensions 4294967295 x 4294967295 x 4294967295"));
    }
    SECTION("truncated header") {
        write_bytes(file, ubytes({0, 0, 8, 3}) + be32(5));
        REQUIRE_THROWS_WITH(io::read_idx_features(file),
                            Contains("truncated header: rank 3 needs 16 bytes, file has 8"));
    }
    SECTION("trailing bytes") {
        write_bytes(file, idx_file(0x08, {2}, ubytes({1, 2, 3})));
        REQUIRE_THROWS_WITH(io::read_idx_labels(file), Contains("1 trailing bytes after the data"));
    }
    SECTION("labels with rank 2") {
        write_bytes(file, idx_file(0x08, {2, 1}, ubytes({1, 2})));
        REQUIRE_THROWS_WITH(io::read_idx_labels(file),
                            Contains("labels need an IDX file of rank 1, this one has rank 2"));
    }
    SECTION("features with rank 1") {
        write_bytes(file, idx_file(0x08, {2}, ubytes({1, 2})));
        REQUIRE_THROWS_WITH(io::read_idx_features(file), Contains("rank >= 2"));
    }
    SECTION("negative label") {
        write_bytes(file, idx_file(0x09, {3}, ubytes({1, 0xFF, 2})));
        REQUIRE_THROWS_WITH(io::read_idx_labels(file), Contains("negative label -1 at index 1"));
    }
    SECTION("float labels") {
        write_bytes(file, idx_file(0x0D, {1}, float_bytes({1}, true)));
        REQUIRE_THROWS_WITH(io::read_idx_labels(file),
                            Contains("labels must have an integer type, this file holds float32"));
    }
    SECTION("non-finite float feature") {
        write_bytes(file,
                    idx_file(0x0D, {2, 2}, float_bytes({1, 2, 3, std::numeric_limits<float>::quiet_NaN()}, true)));
        // Found when the values are decoded (straight into shared memory, in a run).
        REQUIRE_THROWS_WITH(io::read_idx_features(file).values(),
                            Contains("value nan at row 1, column 1 is not a finite float"));
    }
    SECTION("no examples") {
        write_bytes(file, idx_file(0x08, {0, 784}, ""));
        REQUIRE_THROWS_WITH(io::read_idx_features(file), Contains("no examples"));
    }
    SECTION("too short for a header") {
        write_bytes(file, ubytes({0, 0}));
        REQUIRE_THROWS_WITH(io::read_idx_labels(file), Contains("too short for an IDX file (2 bytes)"));
    }
}

// ------------------------------------------------------------------------------------------ gzip

TEST_CASE("Gzip input must be complete and intact", "[io]") {
    TempDir dir;
    const std::string labels = idx_file(0x08, {1000}, std::string(1000, '\3'));
    const std::string compressed = hypergrid::testing::gzip(labels);
    const auto file = dir / "labels.gz";

    SECTION("truncated stream") {
        write_bytes(file, compressed.substr(0, compressed.size() - 6));
        REQUIRE_THROWS_WITH(io::read_idx_labels(file), Contains("labels.gz: truncated gzip data"));
    }
    SECTION("only the gzip magic") {
        write_bytes(file, compressed.substr(0, 2));
        REQUIRE_THROWS_WITH(io::read_idx_labels(file), Contains("truncated gzip data"));
    }
    SECTION("wrong CRC") {
        std::string corrupt = compressed;
        corrupt[corrupt.size() - 8] ^= 0x01;  // the trailer is CRC-32 then length
        write_bytes(file, corrupt);
        REQUIRE_THROWS_WITH(io::read_idx_labels(file), Contains("corrupt gzip data: incorrect data check"));
    }
    SECTION("trailing garbage") {
        write_bytes(file, compressed + "junk");
        REQUIRE_THROWS_WITH(io::read_idx_labels(file), Contains("4 bytes of trailing garbage after the gzip data"));
    }
    SECTION("concatenated members are one stream") {
        const std::string whole = idx_file(0x08, {4}, ubytes({1, 2, 3, 4}));
        write_bytes(file, hypergrid::testing::gzip(whole.substr(0, 6)) + hypergrid::testing::gzip(whole.substr(6)));
        CHECK(io::read_idx_labels(file) == std::vector<std::int32_t>{1, 2, 3, 4});
    }
    SECTION("empty content") {
        write_gz(file, "");
        REQUIRE_THROWS_WITH(io::read_idx_labels(file), Contains("empty file (after gunzip)"));
    }
}

TEST_CASE("The fast inflater (libdeflate) gives zlib's bytes, or fails and leaves the diagnosis to zlib", "[io]") {
    const auto bytes = [](const std::string& text) { return io::detail::Bytes(text.begin(), text.end()); };
    // 3 MB that compress ~1000-fold, in three members: the output outgrows its size hint (the last
    // member's length, at most 16x the input) and grows, member by member.
    std::string whole(3'000'000, '\0');
    for (std::size_t i = 0; i < whole.size(); i += 997) whole[i] = static_cast<char>(i % 251);
    const io::detail::Bytes members = bytes(hypergrid::testing::gzip(whole.substr(0, 2'000'000)) +
                                                     hypergrid::testing::gzip(whole.substr(2'000'000, 5)) +
                                                     hypergrid::testing::gzip(whole.substr(2'000'005)));
    io::detail::Bytes fast;
    REQUIRE(io::detail::gunzip_fast(members, fast));
    CHECK(fast == bytes(whole));
    CHECK(io::detail::gunzip_zlib("members.gz", members) == fast);

    const std::string one = hypergrid::testing::gzip(whole.substr(0, 1000));
    std::string corrupt = one;
    corrupt[corrupt.size() - 8] ^= 0x01;  // the CRC-32
    for (const std::string& bad : {corrupt, one.substr(0, one.size() - 6), one + "junk"}) {
        io::detail::Bytes out;
        CHECK_FALSE(io::detail::gunzip_fast(bytes(bad), out));
        CHECK_THROWS_AS(io::detail::gunzip_zlib("bad.gz", bytes(bad)), InputError);
    }
}

TEST_CASE("Unreadable files give the system's reason", "[io]") {
    TempDir dir;
    const auto missing = dir / "missing.idx";
    const std::string expected = missing.string() + ": cannot open: No such file or directory";
    REQUIRE_THROWS_WITH(io::read_idx_features(missing), expected);
    REQUIRE_THROWS_WITH(io::read_idx_labels(missing), expected);
    REQUIRE_THROWS_WITH(io::read_npy_features(missing), Contains("cannot open: No such file or directory"));
    REQUIRE_THROWS_WITH(io::read_csv(dir / "missing.csv"),
                        Contains("missing.csv: cannot open: No such file or directory"));
    REQUIRE_THROWS_WITH(io::read_csv(dir.path()), Contains("cannot read: Is a directory"));
    REQUIRE_THROWS_AS(io::read_npy_labels(dir.path()), InputError);

    write_bytes(dir / "empty", "");
    REQUIRE_THROWS_WITH(io::read_idx_features(dir / "empty"), Contains("empty: empty file"));
    REQUIRE_THROWS_WITH(io::read_npy_labels(dir / "empty"), Contains("empty file"));
    REQUIRE_THROWS_WITH(io::read_csv(dir / "empty"), Contains("empty file"));
}

// ------------------------------------------------------------------------------------------ NPY

TEST_CASE("write_npy output is a valid .npy that read_npy_features reads back", "[io]") {
    TempDir dir;
    const std::vector<float> values{0.25f, -1, 3.5f, 1e-7f, 42, 0};
    io::write_npy(dir / "m.npy", values.data(), {2, 3});

    const std::string bytes = read_all(dir / "m.npy");
    REQUIRE(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
    const std::size_t header_length = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
    CHECK((10 + header_length) % 64 == 0);
    CHECK(bytes.size() == 10 + header_length + values.size() * 4);
    const std::string header = bytes.substr(10, header_length);
    CHECK(header.back() == '\n');
    CHECK_THAT(header, Contains("'descr': '<f4'") && Contains("'fortran_order': False") && Contains("'shape': (2, 3)"));

    const io::FeatureTable table = io::read_npy_features(dir / "m.npy");
    CHECK(table.rows == 2);
    CHECK(table.cols == 3);
    CHECK_FALSE(table.integer_source);
    CHECK(table.values() == values);

    io::write_npy(dir / "v.npy", values.data(), {5});
    CHECK_THAT(read_all(dir / "v.npy"), Contains("'shape': (5,)"));
}

TEST_CASE("NPY accepts u1, f8, big-endian, version 2 and loosely formatted headers", "[io]") {
    TempDir dir;
    SECTION("3-D uint8 images flatten and count as integers") {
        write_bytes(dir / "a.npy", npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 2), }",
                                            ubytes({0, 1, 2, 3, 4, 5, 6, 255})));
        const io::FeatureTable table = io::read_npy_features(dir / "a.npy");
        CHECK(table.rows == 2);
        CHECK(table.cols == 4);
        CHECK(table.integer_source);
        CHECK(table.values() == std::vector<float>{0, 1, 2, 3, 4, 5, 6, 255});
    }
    SECTION("float64, version 2.0, odd whitespace, key order, double quotes, no trailing comma") {
        write_bytes(dir / "b.npy", npy_file("{ \"shape\" :(1,2) ,'fortran_order':False,\n 'descr':'<f8'}",
                                            le_bytes(std::vector<double>{1.5, -2}), 2));
        const io::FeatureTable table = io::read_npy_features(dir / "b.npy");
        CHECK(table.rows == 1);
        CHECK(table.cols == 2);
        CHECK(table.values() == std::vector<float>{1.5f, -2});
    }
    SECTION("big-endian float32 and Python 2 long dimensions") {
        write_bytes(dir / "c.npy", npy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (2L, 1L), }",
                                            float_bytes({0.75f, 8}, true)));
        CHECK(io::read_npy_features(dir / "c.npy").values() == std::vector<float>{0.75f, 8});
    }
    SECTION("integer labels of several widths and byte orders") {
        write_bytes(dir / "l8.npy", npy_file("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
                                             le_bytes(std::vector<std::int64_t>{9, 0, 4})));
        CHECK(io::read_npy_labels(dir / "l8.npy") == std::vector<std::int32_t>{9, 0, 4});
        write_bytes(dir / "lbe.npy",
                    npy_file("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", be32(5) + be32(70000)));
        CHECK(io::read_npy_labels(dir / "lbe.npy") == std::vector<std::int32_t>{5, 70000});
        write_bytes(dir / "lu1.npy",
                    npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", ubytes({3, 1})));
        CHECK(io::read_npy_labels(dir / "lu1.npy") == std::vector<std::int32_t>{3, 1});
    }
}

TEST_CASE("NPY rejects corrupt or unsupported files", "[io]") {
    TempDir dir;
    const auto file = dir / "bad.npy";
    const std::string f4_2x2 = float_bytes({1, 2, 3, 4}, false);

    SECTION("bad magic") {
        write_bytes(file, "PK\x03\x04 not numpy at all");
        REQUIRE_THROWS_WITH(io::read_npy_features(file), Contains("bad.npy: bad magic, expected a .npy file"));
    }
    SECTION("unknown format version") {
        std::string bytes = npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f4_2x2);
        bytes[6] = 4;
        write_bytes(file, bytes);
        REQUIRE_THROWS_WITH(io::read_npy_features(file), Contains("unsupported .npy format version 4.0"));
    }
    SECTION("fortran order") {
        write_bytes(file, npy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", f4_2x2));
        REQUIRE_THROWS_WITH(io::read_npy_features(file), Contains("fortran_order arrays are not supported"));
    }
    SECTION("unsupported dtype") {
        write_bytes(file, npy_file("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 1), }", f4_2x2));
        REQUIRE_THROWS_WITH(io::read_npy_features(file), Contains("unsupported dtype '<c8'"));
    }
    SECTION("integer dtype other than u1 for features") {
        write_bytes(file, npy_file("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", f4_2x2));
        REQUIRE_THROWS_WITH(io::read_npy_features(file), Contains("unsupported dtype '<i4' for features"));
    }
    SECTION("structured dtype") {
        write_bytes(file, npy_file("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }", f4_2x2));
        REQUIRE_THROWS_WITH(io::read_npy_features(file), Contains("structured dtypes are not supported"));
    }
    SECTION("4-D shape") {
        write_bytes(file, npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2, 2), }", f4_2x2));
        REQUIRE_THROWS_WITH(io::read_npy_features(file),
                            Contains("features need a 2-D or 3-D array, shape is (1, 1, 2, 2)"));
    }
    SECTION("truncated data") {
        write_bytes(file, npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", f4_2x2));
        REQUIRE_THROWS_WITH(io::read_npy_features(file),
                            Contains("truncated: header says shape (3, 2) of '<f4' (24 bytes of data), file has 16"));
    }
    SECTION("trailing bytes") {
        write_bytes(file, npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", f4_2x2));
        REQUIRE_THROWS_WITH(io::read_npy_features(file), Contains("8 trailing bytes after the data"));
    }
    SECTION("header length beyond the file") {
        write_bytes(file, std::string("\x93NUMPY\x01\x00\xff\x7f{'descr'", 18));
        REQUIRE_THROWS_WITH(io::read_npy_features(file), Contains("truncated header: it claims 32767 bytes"));
    }
    SECTION("missing key") {
        write_bytes(file, npy_file("{'descr': '<f4', 'shape': (2, 2)}", f4_2x2));
        REQUIRE_THROWS_WITH(io::read_npy_features(file), Contains("malformed header: missing key 'fortran_order'"));
    }
    SECTION("unterminated dict") {
        write_bytes(file, npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)", f4_2x2));
        REQUIRE_THROWS_WITH(io::read_npy_features(file), Contains("malformed header: expected '}'"));
    }
    SECTION("absurd shape") {
        write_bytes(
            file, npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", f4_2x2));
        REQUIRE_THROWS_WITH(io::read_npy_features(file), Contains("absurd dimensions"));
    }
    SECTION("absurd shape hidden behind a zero dimension") {
        write_bytes(file,
                    npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 9999999999, 9999999999)}", ""));
        REQUIRE_THROWS_WITH(io::read_npy_features(file), Contains("absurd dimensions 0 x 9999999999 x 9999999999"));
    }
    SECTION("no examples") {
        write_bytes(file, npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3)}", ""));
        REQUIRE_THROWS_WITH(io::read_npy_features(file), Contains("no examples (shape (0, 3))"));
    }
    SECTION("infinite feature") {
        write_bytes(file, npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }",
                                   le_bytes(std::vector<double>{1, 1e300})));
        REQUIRE_THROWS_WITH(io::read_npy_features(file).values(),
                            Contains("value 1e+300 at row 0, column 1 is not a finite float"));
    }
    SECTION("labels: 2-D, float, empty, negative, too large") {
        write_bytes(file, npy_file("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", f4_2x2));
        REQUIRE_THROWS_WITH(io::read_npy_labels(file), Contains("labels need a 1-D array, shape is (2, 2)"));
        write_bytes(file, npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", f4_2x2));
        REQUIRE_THROWS_WITH(io::read_npy_labels(file), Contains("unsupported dtype '<f4' for labels"));
        write_bytes(file, npy_file("{'descr': '<i4', 'fortran_order': False, 'shape': (0,), }", ""));
        REQUIRE_THROWS_WITH(io::read_npy_labels(file), Contains("no labels (0 entries)"));
        write_bytes(file, npy_file("{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }",
                                   le_bytes(std::vector<std::int16_t>{4, -3})));
        REQUIRE_THROWS_WITH(io::read_npy_labels(file), Contains("negative label -3 at index 1"));
        write_bytes(file, npy_file("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }",
                                   le_bytes(std::vector<std::uint64_t>{1ULL << 40})));
        REQUIRE_THROWS_WITH(io::read_npy_labels(file), Contains("label 1099511627776 at index 0 is too large"));
    }
}

// ------------------------------------------------------------------------------------------ CSV

TEST_CASE("CSV with and without a header, CRLF, spaces and a trailing newline", "[io]") {
    TempDir dir;
    SECTION("header, integer features") {
        write_bytes(dir / "a.csv", "label,p1,p2,p3\n3,0,255,7\n0,1,2,3\n");
        const io::CsvData data = io::read_csv(dir / "a.csv");
        CHECK(data.labels == std::vector<std::int32_t>{3, 0});
        CHECK(data.features.rows == 2);
        CHECK(data.features.cols == 3);
        CHECK(data.features.integer_source);
        CHECK(data.features.values() == std::vector<float>{0, 255, 7, 1, 2, 3});
    }
    SECTION("no header, CRLF, whitespace, float features, label written as 2.0, no final newline") {
        write_bytes(dir / "b.csv", " 2.0 , 0.5,\t-1e2\r\n1,+3, 4.0\r\n0,0,1");
        const io::CsvData data = io::read_csv(dir / "b.csv");
        CHECK(data.labels == std::vector<std::int32_t>{2, 1, 0});
        CHECK(data.features.rows == 3);
        CHECK(data.features.cols == 2);
        CHECK_FALSE(data.features.integer_source);
        CHECK(data.features.values() == std::vector<float>{0.5f, -100, 3, 4, 0, 1});
    }
    SECTION("header with an empty first field, UTF-8 byte order mark") {
        write_bytes(dir / "d.csv", "\xEF\xBB\xBF,x\n5,1e3\n");
        const io::CsvData data = io::read_csv(dir / "d.csv");
        CHECK(data.labels == std::vector<std::int32_t>{5});
        CHECK(data.features.values() == std::vector<float>{1000});
        CHECK(data.features.integer_source);
    }
    SECTION("trailing blank lines, gzip") {
        write_gz(dir / "c.csv.gz", "1,2\n\n");
        const io::CsvData data = io::read_csv(dir / "c.csv.gz");
        CHECK(data.labels == std::vector<std::int32_t>{1});
        CHECK(data.features.values() == std::vector<float>{2});
    }
}

TEST_CASE("CSV errors name the file and line", "[io]") {
    TempDir dir;
    const auto file = dir / "bad.csv";
    const std::string at = file.string() + ":";

    SECTION("NaN") {
        write_bytes(file, "label,a,b\n1,2,3\n1,2,3\n1,nan,3\n");
        REQUIRE_THROWS_WITH(io::read_csv(file), at + "4: 'nan' in column 2 is not a finite number");
    }
    SECTION("infinity") {
        write_bytes(file, "1,inf\n");
        REQUIRE_THROWS_WITH(io::read_csv(file), Contains(":1: 'inf' in column 2 is not a finite number"));
    }
    SECTION("ragged rows") {
        write_bytes(file, "1,2,3\n4,5\n");
        REQUIRE_THROWS_WITH(io::read_csv(file), at + "2: 2 fields, expected 3 (as on line 1)");
        write_bytes(file, "1,2,3\n4,5,6,7\n");
        REQUIRE_THROWS_WITH(io::read_csv(file), at + "2: 4 fields, expected 3 (as on line 1)");
    }
    SECTION("non-integer label") {
        write_bytes(file, "1,2\n3.5,2\n");
        REQUIRE_THROWS_WITH(io::read_csv(file), at + "2: label '3.5' is not an integer");
    }
    SECTION("negative label") {
        write_bytes(file, "y,x\n-1,2\n");
        REQUIRE_THROWS_WITH(io::read_csv(file), at + "2: negative label -1");
    }
    SECTION("empty field") {
        write_bytes(file, "1,2,3\n1,,3\n");
        REQUIRE_THROWS_WITH(io::read_csv(file), at + "2: column 2 is empty");
    }
    SECTION("trailing garbage in a number") {
        write_bytes(file, "1,2,3\n1,2,3x\n");
        REQUIRE_THROWS_WITH(io::read_csv(file), at + "2: '3x' in column 3 is not a number");
    }
    SECTION("value beyond float range") {
        write_bytes(file, "1,1e39\n");
        REQUIRE_THROWS_WITH(io::read_csv(file), at + "1: '1e39' in column 2 is out of float range");
    }
    SECTION("blank line between rows") {
        write_bytes(file, "1,2\n\n3,4\n");
        REQUIRE_THROWS_WITH(io::read_csv(file), at + "2: empty line");
    }
    SECTION("label beyond int32") {
        write_bytes(file, "1,2\n3e10,2\n");
        REQUIRE_THROWS_WITH(io::read_csv(file), at + "2: label '3e10' is too large (the maximum is 2147483647)");
    }
    SECTION("a single column") {
        write_bytes(file, "1\n2\n");
        REQUIRE_THROWS_WITH(io::read_csv(file), at + "1: 1 field, expected a label and at least one feature");
    }
    SECTION("header only") {
        write_bytes(file, "label,pixel1\r\n");
        REQUIRE_THROWS_WITH(io::read_csv(file), at + "1: header only, no data rows");
    }
    SECTION("whitespace only") {
        write_bytes(file, " \r\n\n");
        REQUIRE_THROWS_WITH(io::read_csv(file), file.string() + ": empty file");
    }
}

// ------------------------------------------------------------------------------- real data set

// The package is a build dependency (scripts/setup.sh installs it): missing, this fails rather than
// passing without having read anything.
TEST_CASE("Reads the Fashion-MNIST test set", "[io]") {
    const std::filesystem::path root = "/usr/share/datasets/fashion-mnist";
    if (!std::filesystem::exists(root / "t10k-labels-idx1-ubyte.gz") ||
        !std::filesystem::exists(root / "t10k-images-idx3-ubyte.gz"))
        FAIL("Fashion-MNIST is not installed under " << root.string()
                                                      << ": install Debian's dataset-fashion-mnist (scripts/setup.sh does)");
    const std::vector<std::int32_t> labels = io::read_idx_labels(root / "t10k-labels-idx1-ubyte.gz");
    REQUIRE(labels.size() == 10000);
    CHECK(*std::min_element(labels.begin(), labels.end()) == 0);
    CHECK(*std::max_element(labels.begin(), labels.end()) == 9);
    CHECK(std::vector<std::int32_t>(labels.begin(), labels.begin() + 5) == std::vector<std::int32_t>{9, 2, 1, 1, 6});

    const io::FeatureTable images = io::read_idx_features(root / "t10k-images-idx3-ubyte.gz");
    CHECK(images.rows == 10000);
    CHECK(images.cols == 28 * 28);
    CHECK(images.integer_source);
    const std::vector<float> pixels = images.values();
    REQUIRE(pixels.size() == 10000u * 784u);
    CHECK(*std::max_element(pixels.begin(), pixels.end()) <= 255.0f);
    CHECK(*std::min_element(pixels.begin(), pixels.end()) >= 0.0f);
}
