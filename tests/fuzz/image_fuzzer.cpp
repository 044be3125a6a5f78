// libFuzzer target for the checkpoint image checker (checkpointd/crit/image_file.hpp).
//
// Each input is checked twice: as it is, and with its checksum made right (the last five bytes are
// replaced when they look like the checksum field, else the field is appended), so that mutations get
// past the checksum to the parser and the content checks. An image that passes is also shown and
// decoded, and its JSON must encode back to the same image. A crash, a sanitizer report or an
// abort() here is a bug. Built by mk/tools.mk; `make fuzz` runs it (docs/crit.md).
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "image_file.hpp"
#include "json.hpp"
#include "show.hpp"

namespace {

using namespace amber::crit;

void check_and_render(std::string_view bytes) {
    CheckedImage checked;
    if (!check_image(ImageSource::from_bytes(bytes), checked).empty()) return;
    std::ostringstream sink;
    show_image(sink, "fuzz", checked);
    sink << decode_json(checked.image, false);

    // JSON keeps no unknown fields, so compare with the image without them.
    checked.image.DiscardUnknownFields();
    amber::image::Image decoded;
    if (!encode_json(decode_json(checked.image, true), decoded).empty()) std::abort();
    if (image_file_bytes(decoded) != image_file_bytes(checked.image)) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    check_and_render(bytes);
    bool has_trailer = size >= checksum_field_size && data[size - checksum_field_size] == checksum_tag;
    check_and_render(with_checksum(std::string(bytes.substr(0, has_trailer ? size - checksum_field_size : size))));
    return 0;
}
