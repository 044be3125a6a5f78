#include "restore.hpp"

#include <amber/abi.h>
#include <pb_decode.h>

#include "../userland/runtime/runtime.hpp"
#include "crc32.hpp"
#include "image_format.hpp"
#include "rebuild.hpp"

namespace checkpointd {
namespace {

amber_image_Image decoded; // large (the process record): one image is decoded at a time
Rebuilder rebuilder;

bool read_in(pb_istream_t* stream, pb_byte_t* bytes, size_t count) {
    size_t done = 0;
    return static_cast<FileReader*>(stream->state)->read(bytes, count, done);
}

const char* check_header(const amber_image_Image& image) {
    if (!image.has_header) return "not an Amber image (no header)";
    const amber_image_Header& h = image.header;
    if (h.magic != image_magic) return "not an Amber image (wrong magic)";
    if (h.format_version != image_format_version) return "unsupported image format version";
    if ((h.features & ~image_known_features) != 0) return "the image needs features this checkpointd lacks";
    if (h.abi_version != AMBER_ABI_VERSION) return "the image was made for another kernel ABI version";
    if (h.state_version != AMBER_STATE_VERSION) return "the image has another object-state version";
    if (h.page_size != page_size) return "the image has another page size";
    if (!image.has_process) return "the image has no process record";
    return nullptr;
}

struct Decoding {
    const RestoreServices* services;
    const char* error;
    bool built;
    uint64_t pages;
};

struct RunTarget {
    Decoding* decoding;
    amber_image_PageRun* run;
};

bool decode_run_data(pb_istream_t* stream, const pb_field_t*, void** arg) {
    auto& target = *static_cast<RunTarget*>(*arg);
    static uint8_t buffer[256 * page_size];
    uint64_t address = target.run->address;
    if (stream->bytes_left % page_size != 0) {
        target.decoding->error = "a page run is not a whole number of pages";
        return false;
    }
    while (stream->bytes_left > 0) {
        size_t n = stream->bytes_left < sizeof buffer ? stream->bytes_left : sizeof buffer;
        if (!pb_read(stream, buffer, n)) return false;
        if (!rebuilder.write_memory(address, buffer, n)) {
            target.decoding->error = "a page run lies outside the process's memory";
            return false;
        }
        address += n;
        target.decoding->pages += n / page_size;
    }
    return true;
}

// The process record precedes the pages in the file: build the process at the first run.
bool build_once(Decoding& d) {
    if (d.built) return true;
    d.error = check_header(decoded);
    if (d.error == nullptr) d.error = rebuilder.build(decoded.header.program, decoded.process, *d.services);
    d.built = true;
    return d.error == nullptr;
}

bool decode_page_run(pb_istream_t* stream, const pb_field_t*, void** arg) {
    auto& d = *static_cast<Decoding*>(*arg);
    if (!build_once(d)) return false;
    amber_image_PageRun run = amber_image_PageRun_init_zero;
    RunTarget target{&d, &run};
    run.data.funcs.decode = decode_run_data;
    run.data.arg = &target;
    if (!pb_decode(stream, amber_image_PageRun_fields, &run)) {
        if (d.error == nullptr) d.error = "corrupt page run";
        return false;
    }
    return true;
}

} // namespace

const char* check_image(Store& store, const char* name, uint64_t& file_size) {
    const char* error = store.size(name, file_size);
    if (error != nullptr) return error;
    if (file_size < 16) return "image truncated (too short to be an image)";
    static FileReader reader;
    reader.open(store, name);
    static uint8_t chunk[16 * 1024];
    uint32_t crc = 0;
    uint64_t left = file_size - 5;
    while (left > 0) {
        size_t n = left < sizeof chunk ? left : sizeof chunk, done = 0;
        if (!reader.read(chunk, n, done)) return reader.error() != nullptr ? reader.error() : "image truncated";
        crc = crc32_update(crc, chunk, n);
        left -= n;
    }
    uint8_t trailer[5];
    size_t done = 0;
    if (!reader.read(trailer, sizeof trailer, done)) return "image truncated (no checksum)";
    uint32_t stored;
    __builtin_memcpy(&stored, trailer + 1, 4);
    if (trailer[0] != checksum_tag) return "image truncated or damaged (no checksum at its end)";
    if (stored != crc) return "image damaged: checksum mismatch";
    return nullptr;
}

// Skips a page run's bytes (verify decodes everything but keeps nothing of the pages).
bool skip_page_run(pb_istream_t* stream, const pb_field_t*, void**) {
    static uint8_t sink[64 * 1024];
    while (stream->bytes_left > 0) {
        size_t n = stream->bytes_left < sizeof sink ? stream->bytes_left : sizeof sink;
        if (!pb_read(stream, sink, n)) return false;
    }
    return true;
}

const char* verify_image(Store& store, const char* name, uint64_t& file_size, const amber_image_Header*& header) {
    const char* error = check_image(store, name, file_size);
    if (error != nullptr) return error;
    static FileReader reader;
    reader.open(store, name);
    decoded = amber_image_Image_init_zero;
    decoded.page_runs.funcs.decode = skip_page_run;
    pb_istream_t stream{read_in, &reader, static_cast<size_t>(file_size - 5), nullptr};
    if (!pb_decode(&stream, amber_image_Image_fields, &decoded)) return "the image does not decode (corrupt protobuf)";
    header = &decoded.header;
    return check_header(decoded);
}

const char* restore_image(Store& store, const char* name, const RestoreServices& services, Restored& restored) {
    restored = {};
    uint64_t size = 0;
    const char* error = check_image(store, name, size);
    if (error != nullptr) return error;
    static FileReader reader;
    reader.open(store, name);
    Decoding d{&services, nullptr, false, 0};
    decoded = amber_image_Image_init_zero;
    decoded.page_runs.funcs.decode = decode_page_run;
    decoded.page_runs.arg = &d;
    pb_istream_t stream{read_in, &reader, static_cast<size_t>(size - 5), nullptr};
    bool ok = pb_decode(&stream, amber_image_Image_fields, &decoded);
    if (ok && !build_once(d)) ok = false;
    if (!ok) {
        rebuilder.abandon();
        return d.error != nullptr ? d.error : "the image does not decode (corrupt protobuf)";
    }
    error = rebuilder.start_threads(decoded.process, decoded.header.checkpoint_ticks);
    if (error != nullptr) {
        rebuilder.abandon();
        return error;
    }
    restored.space = rebuilder.finish();
    amber_handle_info info{};
    amber::sys::object_info(restored.space, &info);
    restored.space_id = info.id;
    __builtin_memcpy(restored.arguments, decoded.header.arguments, sizeof restored.arguments);
    restored.pages = d.pages;
    return nullptr;
}

} // namespace checkpointd
