// amber-crit: inspect, check, decode and encode Amber checkpoint images (docs/crit.md).
//
// Exit status: 0 success; 1 a bad image or a failed read or write (the message names the file and
// what is wrong); 2 wrong usage.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "image_file.hpp"
#include "json.hpp"
#include "show.hpp"

namespace {

using namespace amber::crit;

const char usage_text[] =
    R"usage(usage: amber-crit check IMAGE...          check images; one line each: "IMAGE: ok (...)" or "IMAGE: bad: ..."
       amber-crit show IMAGE              human summary: program, threads, objects, handles, memory, stats
       amber-crit decode IMAGE [--pages]  JSON on stdout; page data elided unless --pages
       amber-crit encode JSON OUT         JSON (from decode --pages) to an image file with its checksum
       amber-crit recode IMAGE OUT        check IMAGE and write it again as this tool encodes it
IMAGE is a file, or DISK::NAME for the file NAME in the FAT disk image DISK (read with mtools' mcopy).
Exit status: 0 ok, 1 bad image or failed read/write, 2 wrong usage.
)usage";

int usage(const std::string& problem) {
    std::cerr << "amber-crit: " << problem << "\n" << usage_text;
    return 2;
}

int fail(const std::string& file, const std::string& problem) {
    std::cerr << "amber-crit: " << file << ": " << problem << "\n";
    return 1;
}

// Reads and checks the image named `spec`; on failure says why on stderr.
bool load(const std::string& spec, CheckedImage& checked) {
    std::string error = check_image(ImageSource::from_spec(spec), checked);
    if (error.empty()) return true;
    fail(spec, "bad: " + error);
    return false;
}

bool write_file(const std::string& path, const std::string& bytes) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    if (file) file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (file) file.close();
    if (file) return true;
    fail(path, std::string("cannot write: ") + std::strerror(errno));
    return false;
}

int check(const std::vector<std::string>& images) {
    int status = 0;
    for (const std::string& spec : images) {
        CheckedImage checked;
        std::string error = check_image(ImageSource::from_spec(spec), checked);
        std::cout << spec << ": " << (error.empty() ? ok_summary(checked) : "bad: " + error) << std::endl;
        if (!error.empty()) status = 1;
    }
    return status;
}

int show(const std::string& spec) {
    CheckedImage checked;
    if (!load(spec, checked)) return 1;
    show_image(std::cout, spec, checked);
    return 0;
}

int decode(const std::string& spec, bool pages) {
    CheckedImage checked;
    if (!load(spec, checked)) return 1;
    std::cout << decode_json(checked.image, pages);
    return 0;
}

int encode(const std::string& json_path, const std::string& out_path) {
    std::ifstream file(json_path, std::ios::binary);
    if (!file) return fail(json_path, std::string("cannot open: ") + std::strerror(errno));
    std::stringstream json;
    json << file.rdbuf();
    amber::image::Image image;
    if (std::string error = encode_json(json.str(), image); !error.empty()) return fail(json_path, error);
    return write_file(out_path, image_file_bytes(std::move(image))) ? 0 : 1;
}

int recode(const std::string& spec, const std::string& out_path) {
    CheckedImage checked;
    if (!load(spec, checked)) return 1;
    return write_file(out_path, image_file_bytes(std::move(checked.image))) ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> arguments(argv + 1, argv + argc);
    if (arguments.empty()) return usage("no command");
    std::string command = arguments[0];
    arguments.erase(arguments.begin());
    std::size_t count = arguments.size();
    if (command == "check" && count >= 1) return check(arguments);
    if (command == "show" && count == 1) return show(arguments[0]);
    if (command == "decode" && count == 1) return decode(arguments[0], false);
    if (command == "decode" && count == 2 && arguments[1] == "--pages") return decode(arguments[0], true);
    if (command == "decode" && count == 2 && arguments[0] == "--pages") return decode(arguments[1], true);
    if (command == "encode" && count == 2) return encode(arguments[0], arguments[1]);
    if (command == "recode" && count == 2) return recode(arguments[0], arguments[1]);
    if (command == "-h" || command == "--help" || command == "help") {
        std::cout << usage_text;
        return 0;
    }
    bool known =
        command == "check" || command == "show" || command == "decode" || command == "encode" || command == "recode";
    return usage(known ? "wrong arguments for " + command : "unknown command '" + command + "'");
}
