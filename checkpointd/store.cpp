#include "store.hpp"

extern "C" void* realloc(void*, size_t);
extern "C" void free(void*);

namespace checkpointd {

bool names_equal(const char* a, const char* b) {
    for (;; ++a, ++b) {
        char x = *a >= 'A' && *a <= 'Z' ? static_cast<char>(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? static_cast<char>(*b + 32) : *b;
        if (x != y) return false;
        if (x == '\0') return true;
    }
}

void copy_name(char* to, size_t capacity, const char* from) {
    size_t i = 0;
    for (; i + 1 < capacity && from[i] != '\0'; ++i) to[i] = from[i];
    to[i] = '\0';
}

MemoryStore::File* MemoryStore::find(const char* name) {
    for (File& f : files_) {
        if (f.name[0] != '\0' && names_equal(f.name, name)) return &f;
    }
    return nullptr;
}

const char* MemoryStore::create(const char* name) {
    if (name[0] == '\0') return "empty file name";
    File* file = find(name);
    if (file == nullptr) {
        for (File& f : files_) {
            if (f.name[0] == '\0') {
                file = &f;
                break;
            }
        }
        if (file == nullptr) return "too many files in memory";
        copy_name(file->name, max_name, name);
    }
    file->size = 0;
    return nullptr;
}

const char* MemoryStore::write(const char* name, uint64_t offset, const void* data, size_t length) {
    File* file = find(name);
    if (file == nullptr) return "no such file";
    uint64_t end = offset + length;
    if (end > file->capacity) {
        uint64_t capacity = file->capacity == 0 ? 65536 : file->capacity;
        while (capacity < end) capacity *= 2;
        auto* grown = static_cast<uint8_t*>(realloc(file->data, capacity));
        if (grown == nullptr) return "out of memory";
        file->data = grown;
        file->capacity = capacity;
    }
    if (offset > file->size) __builtin_memset(file->data + file->size, 0, offset - file->size);
    __builtin_memcpy(file->data + offset, data, length);
    if (end > file->size) file->size = end;
    return nullptr;
}

const char* MemoryStore::read(const char* name, uint64_t offset, void* buffer, size_t length, size_t& done) {
    done = 0;
    File* file = find(name);
    if (file == nullptr) return "no such file";
    if (offset >= file->size) return nullptr;
    done = file->size - offset < length ? file->size - offset : length;
    __builtin_memcpy(buffer, file->data + offset, done);
    return nullptr;
}

const char* MemoryStore::size(const char* name, uint64_t& size) {
    File* file = find(name);
    if (file == nullptr) return "no such file";
    size = file->size;
    return nullptr;
}

const char* MemoryStore::remove(const char* name) {
    File* file = find(name);
    if (file == nullptr) return "no such file";
    free(file->data);
    *file = File{};
    return nullptr;
}

const char* MemoryStore::replace(const char* from, const char* to) {
    File* source = find(from);
    if (source == nullptr) return "no such file";
    File* target = find(to);
    if (target == source) return nullptr;
    if (target != nullptr) remove(to);
    copy_name(source->name, max_name, to);
    return nullptr;
}

const char* MemoryStore::list(bool (*visit)(void*, const char*, uint64_t), void* context) {
    for (File& f : files_) {
        if (f.name[0] != '\0' && !visit(context, f.name, f.size)) break;
    }
    return nullptr;
}

bool FileWriter::drain() {
    if (used_ == 0 || error_ != nullptr) return error_ == nullptr;
    error_ = store_->write(name_, offset_, buffer_, used_);
    offset_ += used_;
    used_ = 0;
    return error_ == nullptr;
}

bool FileWriter::write(const void* data, size_t length) {
    auto* bytes = static_cast<const uint8_t*>(data);
    while (length > 0 && error_ == nullptr) {
        size_t n = sizeof buffer_ - used_ < length ? sizeof buffer_ - used_ : length;
        __builtin_memcpy(buffer_ + used_, bytes, n);
        used_ += n, bytes += n, length -= n;
        if (used_ == sizeof buffer_) drain();
    }
    return error_ == nullptr;
}

bool FileWriter::finish() { return drain(); }

bool FileReader::read(void* data, size_t length, size_t& done) {
    auto* bytes = static_cast<uint8_t*>(data);
    done = 0;
    while (done < length) {
        if (used_ == filled_) {
            size_t got = 0;
            error_ = store_->read(name_, offset_, buffer_, sizeof buffer_, got);
            if (error_ != nullptr || got == 0) return false;
            offset_ += got;
            filled_ = got;
            used_ = 0;
        }
        size_t n = filled_ - used_ < length - done ? filled_ - used_ : length - done;
        __builtin_memcpy(bytes + done, buffer_ + used_, n);
        used_ += n, done += n;
    }
    return true;
}

} // namespace checkpointd
