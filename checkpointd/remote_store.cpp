#include "remote_store.hpp"

#include <amber/ipc.h>

#include "../userland/lib/file_status.hpp"
#include "../userland/lib/ipc.hpp"
#include "../userland/lib/protocols.hpp"
#include "../userland/runtime/runtime.hpp"

namespace checkpointd {
namespace {

namespace protocol = amber::protocol;

struct Call {
    protocol::FileRequest request{};
    protocol::Reply reply{};
    uint64_t received = 0; // bytes of reply data
};

bool set_name(char (&to)[protocol::max_name], uint32_t& length, const char* name) {
    size_t n = __builtin_strlen(name);
    if (n == 0 || n >= protocol::max_name) return false;
    __builtin_memcpy(to, name, n + 1);
    length = static_cast<uint32_t>(n);
    return true;
}

// One request; nullptr or the server's (or the transport's) error in words.
const char* call(amber_handle_t port, Call& c, const void* out, uint64_t out_length, void* in, uint64_t in_length) {
    amber_ipc_message m = amber::ipc::message({{&c.request, sizeof c.request}, {out, out_length}});
    amber_ipc_message r = amber::ipc::message({{&c.reply, sizeof c.reply}, {in, in_length}});
    if (!amber::sys::ipc_call(port, &m, &r).ok() || r.transferred < sizeof c.reply) return "the file server is gone";
    c.received = r.transferred - sizeof c.reply;
    return c.reply.status == 0 ? nullptr : amber::fs::file_status_text(-c.reply.status);
}

const char* named(amber_handle_t port, protocol::FileOp op, const char* name, Call& c) {
    c.request.op = op;
    if (!set_name(c.request.name, c.request.name_length, name)) return "bad file name (1 to 63 characters)";
    return call(port, c, nullptr, 0, nullptr, 0);
}

} // namespace

const char* RemoteStore::connect(amber_handle_t port, uint64_t& free_bytes) {
    port_ = port;
    Call c;
    c.request.op = protocol::FileOp::Info;
    const char* error = call(port_, c, nullptr, 0, nullptr, 0);
    free_bytes = c.reply.value;
    return error;
}

const char* RemoteStore::create(const char* name) {
    Call c;
    return named(port_, protocol::FileOp::Create, name, c);
}

const char* RemoteStore::write(const char* name, uint64_t offset, const void* data, size_t length) {
    auto* bytes = static_cast<const uint8_t*>(data);
    while (length > 0) {
        Call c;
        c.request.op = protocol::FileOp::Write;
        if (!set_name(c.request.name, c.request.name_length, name)) return "bad file name";
        size_t n = length < protocol::max_file_chunk ? length : protocol::max_file_chunk;
        c.request.offset = offset;
        c.request.length = n;
        const char* error = call(port_, c, bytes, n, nullptr, 0);
        if (error != nullptr) return error;
        offset += n, bytes += n, length -= n;
    }
    return nullptr;
}

const char* RemoteStore::read(const char* name, uint64_t offset, void* buffer, size_t length, size_t& done) {
    done = 0;
    auto* bytes = static_cast<uint8_t*>(buffer);
    while (done < length) {
        Call c;
        c.request.op = protocol::FileOp::Read;
        if (!set_name(c.request.name, c.request.name_length, name)) return "bad file name";
        size_t n = length - done < protocol::max_file_chunk ? length - done : protocol::max_file_chunk;
        c.request.offset = offset + done;
        c.request.length = n;
        const char* error = call(port_, c, nullptr, 0, bytes + done, n);
        if (error != nullptr) return error;
        done += c.received;
        if (c.received < n) break; // end of file
    }
    return nullptr;
}

const char* RemoteStore::size(const char* name, uint64_t& size) {
    Call c;
    const char* error = named(port_, protocol::FileOp::Stat, name, c);
    size = c.reply.value;
    return error;
}

const char* RemoteStore::remove(const char* name) {
    Call c;
    return named(port_, protocol::FileOp::Remove, name, c);
}

const char* RemoteStore::replace(const char* from, const char* to) {
    Call c;
    c.request.op = protocol::FileOp::Replace;
    if (!set_name(c.request.name, c.request.name_length, from) ||
        !set_name(c.request.other, c.request.other_length, to))
        return "bad file name";
    return call(port_, c, nullptr, 0, nullptr, 0);
}

const char* RemoteStore::flush() {
    Call c;
    c.request.op = protocol::FileOp::Flush;
    return call(port_, c, nullptr, 0, nullptr, 0);
}

const char* RemoteStore::list(bool (*visit)(void*, const char*, uint64_t), void* context) {
    static protocol::FileEntry entries[32];
    for (uint64_t first = 0;;) {
        Call c;
        c.request.op = protocol::FileOp::List;
        c.request.offset = first;
        const char* error = call(port_, c, nullptr, 0, entries, sizeof entries);
        if (error != nullptr) return error;
        uint64_t count = c.received / sizeof(protocol::FileEntry);
        for (uint64_t i = 0; i < count; ++i) {
            entries[i].name[protocol::max_name - 1] = '\0';
            if (!visit(context, entries[i].name, entries[i].size)) return nullptr;
        }
        if (count < 32) return nullptr;
        first += count;
    }
}

} // namespace checkpointd
