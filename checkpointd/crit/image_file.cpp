// check_image: pass 1 (image_scan.cpp), then the parse and the checks of the contents.
#include "image_file.hpp"

#include <amber/abi.h>
#include <amber/objects.h>
#include <cstdio>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>

#include "crc32.hpp"

namespace amber::crit {
namespace {

// Lets libprotobuf parse straight from a ByteStream.
class StreamInput final : public google::protobuf::io::CopyingInputStream {
  public:
    explicit StreamInput(ByteStream& stream) : stream_(stream) {}
    int Read(void* buffer, int size) override {
        return static_cast<int>(stream_.read(static_cast<char*>(buffer), static_cast<std::size_t>(size)));
    }

  private:
    ByteStream& stream_;
};

constexpr std::size_t fpu_state_bytes = 512; // FXSAVE image

std::string last_complaint;
google::protobuf::LogHandler* previous_log_handler = nullptr;

void keep_complaint(google::protobuf::LogLevel, const char*, int, const std::string& message) {
    last_complaint = message;
}

std::string check_page_runs(const amber::image::Image& image, std::uint64_t& pages) {
    pages = 0;
    for (int i = 0; i < image.page_runs_size(); ++i) {
        const auto& run = image.page_runs(i);
        std::string which = "page run " + std::to_string(i) + " at " + hex(run.address());
        if (run.address() % image_page_size != 0) return which + ": address not page-aligned";
        if (run.data().empty() || run.data().size() % image_page_size != 0)
            return which + ": " + std::to_string(run.data().size()) + " bytes is not a whole number of pages";
        pages += run.data().size() / image_page_size;
    }
    return {};
}

// What pass 1 does not cover: whether this tool's ABI and object states are the image's.
std::string check_contents(CheckedImage& checked) {
    const auto& header = checked.image.header();
    if (header.abi_version() != AMBER_ABI_VERSION)
        return "ABI mismatch: the image is for ABI " + std::to_string(header.abi_version()) + ", this tool reads ABI " +
               std::to_string(AMBER_ABI_VERSION);
    if (header.state_version() != AMBER_STATE_VERSION)
        return "object state version mismatch: the image has version " + std::to_string(header.state_version()) +
               ", this tool reads version " + std::to_string(AMBER_STATE_VERSION);
    if (header.page_size() != image_page_size)
        return "unsupported page size " + std::to_string(header.page_size()) + " (expected " +
               std::to_string(image_page_size) + ")";
    for (const auto& thread : checked.image.process().threads()) {
        if (!thread.fpu().empty() && thread.fpu().size() != fpu_state_bytes)
            return "thread " + std::to_string(thread.id()) + ": FPU state of " + std::to_string(thread.fpu().size()) +
                   " bytes (expected " + std::to_string(fpu_state_bytes) + ")";
    }
    return check_page_runs(checked.image, checked.pages);
}

} // namespace

std::string check_image(const ImageSource& source, CheckedImage& out) {
    std::string error;
    std::unique_ptr<ByteStream> stream = source.open(error);
    if (!stream) return error;
    std::string scan_error = scan_image(*stream, out.file_bytes);
    if (std::string stream_error = stream->finish(); !stream_error.empty()) return stream_error;
    if (!scan_error.empty()) return scan_error;

    stream = source.open(error);
    if (!stream) return error;
    bool parsed;
    ProtobufComplaints complaints;
    {
        StreamInput input(*stream);
        google::protobuf::io::CopyingInputStreamAdaptor adaptor(&input);
        parsed = out.image.ParseFromZeroCopyStream(&adaptor);
    }
    if (std::string stream_error = stream->finish(); !stream_error.empty()) return stream_error;
    if (!parsed) return "not a valid amber.image.Image: the protobuf message does not parse" + complaints.reason();
    return check_contents(out);
}

std::string ok_summary(const CheckedImage& checked) {
    return "ok (format " + std::to_string(checked.image.header().format_version()) + ", abi " +
           std::to_string(checked.image.header().abi_version()) + ", " + std::to_string(checked.pages) + " pages, " +
           std::to_string(checked.file_bytes) + " bytes)";
}

std::string with_checksum(std::string body) {
    std::uint32_t crc = crc32_of(body);
    body.push_back(static_cast<char>(checksum_tag));
    for (int i = 0; i < 4; ++i) body.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
    return body;
}

std::string image_file_bytes(amber::image::Image image) {
    image.clear_checksum();
    return with_checksum(image.SerializeAsString());
}

ProtobufComplaints::ProtobufComplaints() {
    last_complaint.clear();
    previous_log_handler = google::protobuf::SetLogHandler(keep_complaint);
}

ProtobufComplaints::~ProtobufComplaints() { google::protobuf::SetLogHandler(previous_log_handler); }

std::string ProtobufComplaints::reason() const {
    std::string reason = last_complaint.substr(0, last_complaint.find(" when parsing"));
    return reason.empty() ? "" : " (" + reason + ")";
}

std::string hex(std::uint64_t value) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
    return text;
}

} // namespace amber::crit
