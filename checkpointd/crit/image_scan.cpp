// Pass 1 over an image file: framing, header and checksum, streamed (see scan_image in image_file.hpp).
#include <algorithm>
#include <string>

#include "crc32.hpp"
#include "image_file.hpp"

namespace amber::crit {
namespace {

// Buffered reader that keeps the CRC-32 of every byte consumed so far.
class Reader {
  public:
    explicit Reader(ByteStream& stream) : stream_(stream) {}

    std::uint64_t offset() const { return offset_; }
    std::uint32_t crc() const { return crc_.value(); }

    // Appends `count` bytes to `out` (if not null); false if the stream ends first.
    bool take(std::uint64_t count, std::string* out) {
        while (count > 0) {
            if (position_ == end_ && !fill()) return false;
            std::size_t piece = static_cast<std::size_t>(std::min<std::uint64_t>(count, end_ - position_));
            crc_.update(buffer_ + position_, piece);
            if (out) out->append(buffer_ + position_, piece);
            position_ += piece;
            offset_ += piece;
            count -= piece;
        }
        return true;
    }

    // False at the end of the stream.
    bool byte(unsigned char& value) {
        if (position_ == end_ && !fill()) return false;
        value = static_cast<unsigned char>(buffer_[position_]);
        crc_.update(buffer_ + position_, 1);
        ++position_;
        ++offset_;
        return true;
    }

    // Consumes the rest of the stream (the CRC stops here); returns how many bytes it held.
    std::uint64_t drain() {
        std::uint64_t before = offset_;
        while (position_ < end_ || fill()) {
            offset_ += end_ - position_;
            position_ = end_;
        }
        return offset_ - before;
    }

  private:
    bool fill() {
        position_ = 0;
        end_ = stream_.read(buffer_, sizeof buffer_);
        return end_ > 0;
    }

    ByteStream& stream_;
    char buffer_[1 << 16];
    std::size_t position_ = 0;
    std::size_t end_ = 0;
    std::uint64_t offset_ = 0;
    Crc32 crc_;
};

enum class Varint { ok, end, truncated, malformed };

Varint read_varint(Reader& reader, std::uint64_t& value) {
    value = 0;
    for (int i = 0; i < 10; ++i) {
        unsigned char byte;
        if (!reader.byte(byte)) return i == 0 ? Varint::end : Varint::truncated;
        value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
        if (!(byte & 0x80)) return Varint::ok;
    }
    return Varint::malformed;
}

std::string truncated_in(const std::string& what, const Reader& reader) {
    return "truncated: the file ends inside " + what + " (" + std::to_string(reader.offset()) + " bytes)";
}

std::string not_protobuf(std::uint64_t offset) {
    return "not a protobuf: invalid field tag at offset " + std::to_string(offset);
}

// The header's bytes are read whole (they are small) and checked before anything after them.
std::string read_header(Reader& reader) {
    std::uint64_t size;
    Varint result = read_varint(reader, size);
    if (result == Varint::malformed) return "not a protobuf: malformed header length";
    if (result != Varint::ok) return truncated_in("the header", reader);
    if (size > max_header_bytes) return "header too large (" + std::to_string(size) + " bytes)";
    std::string bytes;
    if (!reader.take(size, &bytes)) return truncated_in("the header", reader);
    amber::image::Header header;
    ProtobufComplaints complaints;
    if (!header.ParseFromString(bytes)) return "the header does not parse" + complaints.reason();
    if (header.magic() != image_magic)
        return "wrong magic " + hex(header.magic()) + " (expected " + hex(image_magic) + "): not an Amber image";
    if (header.format_version() != image_format_version)
        return "unsupported format version " + std::to_string(header.format_version()) + " (this tool reads " +
               std::to_string(image_format_version) + ")";
    if (std::uint64_t unknown = header.features() & ~known_feature_bits)
        return "unknown feature bits " + hex(unknown) + " (this tool understands " + hex(known_feature_bits) + ")";
    return {};
}

// Skips the value of a field of wire type `wire` (0, 1, 2 or 5).
bool skip_value(Reader& reader, unsigned wire, bool& malformed) {
    std::uint64_t value;
    switch (wire) {
    case 0: {
        Varint result = read_varint(reader, value);
        malformed = result == Varint::malformed;
        return result == Varint::ok;
    }
    case 1: return reader.take(8, nullptr);
    case 5: return reader.take(4, nullptr);
    default: { // 2: length-delimited
        Varint result = read_varint(reader, value);
        malformed = result == Varint::malformed;
        return result == Varint::ok && reader.take(value, nullptr);
    }
    }
}

// The tag 0x7D has been read at `tag_offset`; `crc_before` is the CRC of every byte before it.
std::string read_checksum(Reader& reader, std::uint64_t tag_offset, std::uint32_t crc_before) {
    if (reader.offset() - tag_offset != 1) return "malformed checksum tag at offset " + std::to_string(tag_offset);
    std::string bytes;
    if (!reader.take(4, &bytes)) return truncated_in("the checksum", reader);
    std::uint32_t stored = 0;
    for (int i = 3; i >= 0; --i) stored = (stored << 8) | static_cast<unsigned char>(bytes[i]);
    if (std::uint64_t extra = reader.drain())
        return std::to_string(extra) + " bytes after the checksum, which must be the last field";
    if (stored != crc_before) return "bad checksum (stored " + hex(stored) + ", computed " + hex(crc_before) + ")";
    return {};
}

std::string scan_fields(Reader& reader) {
    for (bool first = true;; first = false) {
        std::uint64_t offset = reader.offset();
        std::uint32_t crc_before = reader.crc();
        std::uint64_t tag;
        Varint result = read_varint(reader, tag);
        if (result == Varint::end)
            return first ? "empty file" : "truncated: no checksum at the end (" + std::to_string(offset) + " bytes)";
        if (result == Varint::truncated) return truncated_in("a field tag", reader);
        std::uint64_t field = tag >> 3;
        unsigned wire = tag & 7;
        bool known_wire = wire == 0 || wire == 1 || wire == 2 || wire == 5;
        if (result == Varint::malformed || field == 0 || field >= (1u << 29) || !known_wire)
            return not_protobuf(offset);
        if (first && (field != 1 || wire != 2))
            return "not an Amber image: it does not start with a header (field 1) but with field " +
                   std::to_string(field);
        if (field == 1 && !first) return "a second header at offset " + std::to_string(offset);
        if (field == 15 && wire == 5) return read_checksum(reader, offset, crc_before);
        if (field == 15) return "malformed checksum field at offset " + std::to_string(offset);
        if (first) {
            if (std::string error = read_header(reader); !error.empty()) return error;
            continue;
        }
        bool malformed = false;
        if (!skip_value(reader, wire, malformed))
            return malformed ? not_protobuf(offset)
                             : truncated_in("field " + std::to_string(field) + " at offset " + std::to_string(offset),
                                            reader);
    }
}

} // namespace

std::string scan_image(ByteStream& stream, std::uint64_t& length) {
    Reader reader(stream);
    std::string error = scan_fields(reader);
    reader.drain();
    length = reader.offset();
    return error;
}

} // namespace amber::crit
