#include "json.hpp"

#include <google/protobuf/util/json_util.h>
#include <vector>

#include "image_file.hpp"

namespace amber::crit {
namespace {

const char elided_key[] = "elided";

// protobuf's pretty JSON of `message` without its final newline; nested objects are indented one
// space per level.
std::string message_json(const google::protobuf::Message& message) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(message, &json, options); // fails only for Any
    while (!json.empty() && json.back() == '\n') json.pop_back();
    return json;
}

// `json` moved one level deeper: a space after every newline.
std::string nested(const std::string& json) {
    std::string out;
    for (char c : json) {
        out += c;
        if (c == '\n') out += ' ';
    }
    return out;
}

std::string page_run_without_data(const amber::image::PageRun& run) {
    return "  {\n   \"address\": \"" + std::to_string(run.address()) +
           "\",\n   \"pages\": " + std::to_string(run.data().size() / image_page_size) + "\n  }";
}

// The members in the order of decode_json's full output (field numbers), page runs summarized.
std::string elided_json(const amber::image::Image& image) {
    std::vector<std::string> members;
    members.push_back(std::string(" \"") + elided_key +
                      "\": \"page data: each page run shows its page count instead; decode --pages includes it\"");
    if (image.has_header()) members.push_back(" \"header\": " + nested(message_json(image.header())));
    if (image.has_process()) members.push_back(" \"process\": " + nested(message_json(image.process())));
    if (image.page_runs_size() > 0) {
        std::string runs = " \"page_runs\": [\n";
        for (int i = 0; i < image.page_runs_size(); ++i)
            runs += page_run_without_data(image.page_runs(i)) + (i + 1 < image.page_runs_size() ? ",\n" : "\n");
        members.push_back(runs + " ]");
    }
    if (image.has_stats()) members.push_back(" \"stats\": " + nested(message_json(image.stats())));
    if (image.checksum() != 0) members.push_back(" \"checksum\": " + std::to_string(image.checksum()));
    std::string json = "{\n";
    for (std::size_t i = 0; i < members.size(); ++i) json += members[i] + (i + 1 < members.size() ? ",\n" : "\n");
    return json + "}\n";
}

} // namespace

std::string decode_json(const amber::image::Image& image, bool pages) {
    return pages ? message_json(image) + "\n" : elided_json(image);
}

std::string encode_json(const std::string& json, amber::image::Image& image) {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    auto status = google::protobuf::util::JsonStringToMessage(json, &image, options);
    if (status.ok()) return {};
    if (json.find(std::string("\"") + elided_key + "\"") != std::string::npos)
        return "its page data was elided (decode without --pages): decode with --pages to encode it again";
    return "not an image in JSON: " + status.ToString();
}

} // namespace amber::crit
