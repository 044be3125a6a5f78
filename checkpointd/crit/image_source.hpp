// Where an image's bytes come from: a file, a file inside a FAT disk image (read with mtools'
// mcopy), or bytes in memory (tests, the fuzzer). A source can be opened more than once, so a reader
// can stream over it to verify the checksum and then read it again to parse it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace amber::crit {

// One pass over an image's bytes.
class ByteStream {
  public:
    virtual ~ByteStream() = default;
    // Reads up to `size` bytes into `buffer`; returns 0 at the end or on failure (see finish()).
    virtual std::size_t read(char* buffer, std::size_t size) = 0;
    // Reads what is left and ends the pass: empty if every byte was delivered, otherwise what went
    // wrong ("read failed: ...", or mcopy's complaint, e.g. that the file is not on the disk).
    virtual std::string finish() = 0;
};

class ImageSource {
  public:
    // `spec` is a path, or `DISK::NAME` for the file NAME inside the FAT disk image DISK.
    static ImageSource from_spec(std::string spec);
    // The bytes must outlive the source and its streams.
    static ImageSource from_bytes(std::string_view bytes, std::string name = "<memory>");

    const std::string& name() const { return name_; }
    // A new pass from the first byte, or nullptr with `error` set (e.g. "cannot open: No such file
    // or directory"). Errors do not repeat the source's name.
    std::unique_ptr<ByteStream> open(std::string& error) const;

  private:
    std::string name_;
    std::string path_;      // plain file, or the disk image
    std::string disk_file_; // with in_disk_: the file inside the disk image at path_
    bool in_disk_ = false;
    bool in_memory_ = false;
    std::string_view bytes_;
};

} // namespace amber::crit
