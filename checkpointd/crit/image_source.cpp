#include "image_source.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace amber::crit {
namespace {

class MemoryStream final : public ByteStream {
  public:
    explicit MemoryStream(std::string_view bytes) : rest_(bytes) {}
    std::size_t read(char* buffer, std::size_t size) override {
        std::size_t count = std::min(size, rest_.size());
        std::memcpy(buffer, rest_.data(), count);
        rest_.remove_prefix(count);
        return count;
    }
    std::string finish() override { return {}; }

  private:
    std::string_view rest_;
};

// Reads a file descriptor: an opened file, or the read end of a pipe from mcopy (child_ > 0), whose
// exit status and stderr (in a temporary file) tell whether it delivered the whole file.
class DescriptorStream final : public ByteStream {
  public:
    // `child_failure` introduces the child's complaint when it fails.
    DescriptorStream(int fd, pid_t child = 0, std::FILE* child_errors = nullptr, std::string child_failure = {})
        : fd_(fd), child_(child), errors_(child_errors), child_failure_(std::move(child_failure)) {}
    ~DescriptorStream() override { (void)finish(); }

    std::size_t read(char* buffer, std::size_t size) override {
        while (fd_ >= 0) {
            ssize_t count = ::read(fd_, buffer, size);
            if (count >= 0) return static_cast<std::size_t>(count);
            if (errno == EINTR) continue;
            if (failure_.empty()) failure_ = std::string("read failed: ") + std::strerror(errno);
            return 0;
        }
        return 0;
    }

    std::string finish() override {
        if (fd_ < 0) return failure_;
        char sink[65536];
        while (read(sink, sizeof sink) > 0) {}
        ::close(fd_);
        fd_ = -1;
        if (child_ > 0) collect_child();
        return failure_;
    }

  private:
    void collect_child() {
        int status = 0;
        while (waitpid(child_, &status, 0) < 0 && errno == EINTR) {}
        child_ = 0;
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && failure_.empty()) {
            std::string message;
            char line[512];
            std::rewind(errors_);
            while (std::fgets(line, sizeof line, errors_)) message += line;
            while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
            if (WIFEXITED(status) && WEXITSTATUS(status) == 127) message = "cannot run mcopy (install mtools)";
            failure_ = child_failure_ + (message.empty() ? "exit status " + std::to_string(status) : message);
        }
        std::fclose(errors_);
        errors_ = nullptr;
    }

    int fd_;
    pid_t child_;
    std::FILE* errors_;
    std::string child_failure_;
    std::string failure_;
};

// Starts `mcopy -n -i DISK ::NAME -`, which writes the file to its stdout (our pipe).
std::unique_ptr<ByteStream> open_in_disk(const std::string& disk, const std::string& file, std::string& error) {
    struct stat info;
    if (::stat(disk.c_str(), &info) != 0) {
        error = "cannot open disk image " + disk + ": " + std::strerror(errno);
        return nullptr;
    }
    std::FILE* errors = std::tmpfile();
    int pipe_fds[2];
    if (!errors || ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        error = std::string("cannot start mcopy: ") + std::strerror(errno);
        if (errors) std::fclose(errors);
        return nullptr;
    }
    std::string inside = "::" + file;
    pid_t child = ::fork();
    if (child == 0) {
        ::dup2(pipe_fds[1], STDOUT_FILENO);
        ::dup2(::fileno(errors), STDERR_FILENO);
        ::setenv("MTOOLS_SKIP_CHECK", "1", 1);
        ::execlp("mcopy", "mcopy", "-n", "-i", disk.c_str(), inside.c_str(), "-", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(pipe_fds[1]);
    if (child < 0) {
        error = std::string("cannot start mcopy: ") + std::strerror(errno);
        ::close(pipe_fds[0]);
        std::fclose(errors);
        return nullptr;
    }
    return std::make_unique<DescriptorStream>(pipe_fds[0], child, errors,
                                              "cannot read " + file + " from disk image " + disk + ": ");
}

} // namespace

ImageSource ImageSource::from_spec(std::string spec) {
    ImageSource source;
    source.name_ = spec;
    std::size_t separator = spec.find("::");
    if (separator != std::string::npos && separator > 0) {
        source.in_disk_ = true;
        source.path_ = spec.substr(0, separator);
        source.disk_file_ = spec.substr(separator + 2);
    } else {
        source.path_ = spec;
    }
    return source;
}

ImageSource ImageSource::from_bytes(std::string_view bytes, std::string name) {
    ImageSource source;
    source.name_ = std::move(name);
    source.in_memory_ = true;
    source.bytes_ = bytes;
    return source;
}

std::unique_ptr<ByteStream> ImageSource::open(std::string& error) const {
    if (in_memory_) return std::make_unique<MemoryStream>(bytes_);
    if (in_disk_ && disk_file_.empty()) {
        error = "no file name after '::' (expected DISK::NAME)";
        return nullptr;
    }
    if (in_disk_) return open_in_disk(path_, disk_file_, error);
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = std::string("cannot open: ") + std::strerror(errno);
        return nullptr;
    }
    return std::make_unique<DescriptorStream>(fd);
}

} // namespace amber::crit
