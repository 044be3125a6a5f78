// JSON views of images and images from JSON (amber-crit decode/encode, like CRIU's crit).
#pragma once

#include <string>

#include "amber_image.pb.h"

namespace amber::crit {

// protobuf's JSON mapping of `image` with the .proto field names, pretty-printed (64-bit integers
// are strings, bytes are base64). With `pages` false the page data is elided: each page run shows
// its address and "pages": N instead of "data", and a top-level "elided" member says so; such JSON
// cannot be encoded again.
std::string decode_json(const amber::image::Image& image, bool pages);

// Parses `json` (decode_json's output with pages, or hand-written) into `image`. Returns "" or
// what is wrong. The result's `checksum` is whatever the JSON says; image_file_bytes() ignores it.
std::string encode_json(const std::string& json, amber::image::Image& image);

} // namespace amber::crit
