#include "image_write.hpp"

#include <pb_encode.h>

#include "../userland/runtime/runtime.hpp"
#include "clock.hpp"
#include "crc32.hpp"
#include "image_format.hpp"

namespace checkpointd {
namespace {

namespace sys = amber::sys;

constexpr uint64_t chunk_pages = 256;
alignas(4096) uint8_t chunk[chunk_pages * page_size];

struct Output {
    FileWriter* writer;
    uint32_t crc;
};

bool write_out(pb_ostream_t* stream, const pb_byte_t* bytes, size_t count) {
    auto* out = static_cast<Output*>(stream->state);
    out->crc = crc32_update(out->crc, bytes, count);
    return out->writer->write(bytes, count);
}

struct PageWalk {
    amber_handle_t space;
    const amber_image_Process* process;
    WriteResult* result;
    const char* error;
};

struct RunData {
    const uint8_t* data;
    size_t length;
};

bool encode_run_data(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
    auto* run = static_cast<const RunData*>(*arg);
    return pb_encode_tag_for_field(stream, field) && pb_encode_string(stream, run->data, run->length);
}

bool page_is_zero(const uint8_t* page) {
    auto* words = reinterpret_cast<const uint64_t*>(page);
    for (size_t i = 0; i < page_size / 8; ++i) {
        if (words[i] != 0) return false;
    }
    return true;
}

// Emits one PageRun for each maximal run of non-zero pages in the chunk at `address`.
bool encode_chunk(pb_ostream_t* stream, const pb_field_t* field, uint64_t address, uint64_t pages, PageWalk& walk) {
    uint64_t first = 0;
    while (first < pages) {
        if (page_is_zero(chunk + first * page_size)) {
            ++walk.result->pages_zero;
            ++first;
            continue;
        }
        uint64_t end = first + 1;
        while (end < pages && !page_is_zero(chunk + end * page_size)) ++end;
        RunData data{chunk + first * page_size, (end - first) * page_size};
        amber_image_PageRun run = amber_image_PageRun_init_zero;
        run.address = address + first * page_size;
        run.data.funcs.encode = encode_run_data;
        run.data.arg = &data;
        if (!pb_encode_tag_for_field(stream, field) || !pb_encode_submessage(stream, amber_image_PageRun_fields, &run))
            return false;
        walk.result->pages_written += end - first;
        first = end;
    }
    return true;
}

bool encode_page_runs(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
    auto& walk = *static_cast<PageWalk*>(*arg);
    const amber_image_Process& p = *walk.process;
    for (pb_size_t i = 0; i < p.memory_count; ++i) {
        const amber_image_MemoryRange& range = p.memory[i];
        for (uint64_t offset = 0; offset < range.size; offset += chunk_pages * page_size) {
            uint64_t bytes = range.size - offset < sizeof chunk ? range.size - offset : sizeof chunk;
            if (!sys::memory_read(walk.space, range.base + offset, chunk, bytes).ok()) {
                walk.error = "cannot read the process's memory";
                return false;
            }
            walk.result->pages_scanned += bytes / page_size;
            if (!encode_chunk(stream, field, range.base + offset, bytes / page_size, walk)) return false;
        }
    }
    return true;
}

} // namespace

const char* write_image(Store& store, const char* name, amber_handle_t space, amber_image_Image& image,
                        uint64_t frozen_since_us, WriteResult& result) {
    result = {};
    const char* error = store.create(name);
    if (error != nullptr) return error;
    static FileWriter writer;
    writer.open(store, name);
    Output output{&writer, 0};
    pb_ostream_t stream{write_out, &output, SIZE_MAX, 0, nullptr};
    PageWalk walk{space, &image.process, &result, nullptr};
    uint64_t started = now_us();

    // Header, process and pages first; the statistics are known only after the pages.
    image.has_stats = false;
    image.checksum = 0; // written by hand below, after everything else
    image.page_runs.funcs.encode = encode_page_runs;
    image.page_runs.arg = &walk;
    bool encoded = pb_encode(&stream, amber_image_Image_fields, &image);
    image.page_runs = {};
    if (!encoded) {
        return writer.error() != nullptr ? writer.error() : walk.error != nullptr ? walk.error : PB_GET_ERROR(&stream);
    }
    uint64_t now = now_us();
    image.has_stats = true;
    image.stats.write_time_us = now - started;
    image.stats.frozen_time_us = now - frozen_since_us;
    image.stats.pages_scanned = result.pages_scanned;
    image.stats.pages_zero = result.pages_zero;
    image.stats.pages_written = result.pages_written;
    image.stats.image_bytes = stream.bytes_written;
    if (!pb_encode_tag(&stream, PB_WT_STRING, amber_image_Image_stats_tag) ||
        !pb_encode_submessage(&stream, amber_image_Stats_fields, &image.stats)) {
        return writer.error() != nullptr ? writer.error() : PB_GET_ERROR(&stream);
    }
    uint8_t trailer[5] = {checksum_tag};
    uint32_t crc = output.crc;
    __builtin_memcpy(trailer + 1, &crc, 4);
    if (!writer.write(trailer, sizeof trailer) || !writer.finish()) return writer.error();
    result.bytes = writer.written();
    return nullptr;
}

} // namespace checkpointd
