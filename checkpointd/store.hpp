// Where checkpointd keeps image files: the FAT32 file server (a disk that survives power-off), or
// memory when the machine has no disk (images then last until power-off). Both are name-based.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace checkpointd {

class Store {
  public:
    // Every call returns nullptr on success or a message saying what went wrong.
    virtual const char* create(const char* name) = 0; // empty file, truncating an existing one
    virtual const char* write(const char* name, uint64_t offset, const void* data, size_t length) = 0;
    virtual const char* read(const char* name, uint64_t offset, void* buffer, size_t length, size_t& done) = 0;
    virtual const char* size(const char* name, uint64_t& size) = 0;
    virtual const char* remove(const char* name) = 0;
    // Atomically replaces `to` by `from` (crash-safe on disk: old or new `to`, never neither).
    virtual const char* replace(const char* from, const char* to) = 0;
    virtual const char* flush() = 0;
    // Calls visit(name, size) for each file; stops early if it returns false.
    virtual const char* list(bool (*visit)(void* context, const char* name, uint64_t size), void* context) = 0;
    virtual const char* kind() const = 0; // "disk" or "memory"

  protected:
    ~Store() = default;
};

// Files in this process's heap.
class MemoryStore final : public Store {
  public:
    const char* create(const char* name) override;
    const char* write(const char* name, uint64_t offset, const void* data, size_t length) override;
    const char* read(const char* name, uint64_t offset, void* buffer, size_t length, size_t& done) override;
    const char* size(const char* name, uint64_t& size) override;
    const char* remove(const char* name) override;
    const char* replace(const char* from, const char* to) override;
    const char* flush() override { return nullptr; }
    const char* list(bool (*visit)(void*, const char*, uint64_t), void* context) override;
    const char* kind() const override { return "memory"; }

  private:
    static constexpr unsigned max_files = 32;
    static constexpr unsigned max_name = 64;
    struct File {
        char name[max_name];
        uint8_t* data;
        uint64_t size, capacity;
    };
    File* find(const char* name);
    File files_[max_files] = {};
};

// Buffers sequential writes into large chunks (the file server takes up to 1 MiB a call).
class FileWriter {
  public:
    // Starts writing `name` at offset 0 (the file should exist and be empty).
    void open(Store& store, const char* name) {
        store_ = &store, name_ = name, error_ = nullptr;
        offset_ = 0, used_ = 0;
    }
    bool write(const void* data, size_t length);
    bool finish(); // writes what is buffered
    const char* error() const { return error_; }
    uint64_t written() const { return offset_ + used_; }

  private:
    bool drain();
    Store* store_ = nullptr;
    const char* name_ = nullptr;
    const char* error_ = nullptr;
    uint64_t offset_ = 0;
    size_t used_ = 0;
    uint8_t buffer_[1024 * 1024];
};

// Sequential reads through a 1 MiB buffer.
class FileReader {
  public:
    // Starts reading `name` at offset 0.
    void open(Store& store, const char* name) {
        store_ = &store, name_ = name, error_ = nullptr;
        offset_ = 0, used_ = 0, filled_ = 0;
    }
    // Fills `length` bytes; false at end of file (done < length) or on error (error() set).
    bool read(void* data, size_t length, size_t& done);
    const char* error() const { return error_; }
    uint64_t position() const { return offset_ - (filled_ - used_); }

  private:
    Store* store_ = nullptr;
    const char* name_ = nullptr;
    const char* error_ = nullptr;
    uint64_t offset_ = 0;
    size_t used_ = 0, filled_ = 0;
    uint8_t buffer_[1024 * 1024];
};

bool names_equal(const char* a, const char* b);
void copy_name(char* to, size_t capacity, const char* from);

} // namespace checkpointd
