#define BOOST_TEST_DYN_LINK
#define BOOST_TEST_MODULE amber_crit_tests
#include <boost/test/unit_test.hpp>

#include "crit_test_support.hpp"

#include <amber/abi.h>
#include <amber/objects.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>

namespace crit_test {

using namespace amber::image;

namespace {

void add_objects(Process& process) {
    auto* thread = process.add_threads();
    thread->set_id(5);
    thread->set_flags(AMBER_THREAD_STOPPED | AMBER_THREAD_WAITING);
    thread->set_waiting_for_id(9);
    thread->set_fpu(std::string(512, '\x01'));
    auto* registers = thread->mutable_registers();
    registers->set_rax(35); // mutex_lock
    registers->set_rdi(4);
    registers->set_rip(0x401000);
    registers->set_rsp(0x7ffffff00000 - 64);
    auto* second = process.add_threads();
    second->set_id(6);
    second->set_flags(AMBER_THREAD_STOPPED);
    second->mutable_registers()->set_rax(0xdeadbeef);
    second->mutable_registers()->set_rip(0x402000);

    auto* mutex = process.add_mutexes();
    mutex->set_id(9);
    mutex->set_locked(true);
    mutex->set_owner_thread_id(6);
    process.add_conds()->set_id(10);
    auto* port = process.add_ports();
    port->set_id(11);
    port->set_badge(0x55);
    port->set_port_set_id(12);
    process.add_port_sets()->set_id(12);
    auto* reference = process.add_references();
    reference->set_id(13);
    reference->set_target_id(11);
    reference->set_target_type(AMBER_OBJECT_PORT);
    reference->set_rights(AMBER_RIGHT_GET_STATE | AMBER_RIGHT_DUPLICATE);
    auto* region = process.add_regions();
    region->set_id(14);
    region->set_base(0x100000);
    region->set_size(0x10000);
    region->set_max_protection(AMBER_PROT_READ | AMBER_PROT_WRITE);
    region->set_keeper_port_id(11);
    auto* mapping = process.add_mappings();
    mapping->set_id(15);
    mapping->set_region_id(14);
    mapping->set_base(0x200000);
    mapping->set_size(0x1000);
    mapping->set_protection(AMBER_PROT_READ);
}

void add_handle(Process& process, unsigned value, unsigned type, unsigned rights, std::uint64_t id,
                const char* external = "") {
    auto* handle = process.add_handles();
    handle->set_value(value);
    handle->set_type(type);
    handle->set_rights(rights);
    handle->set_object_id(id);
    handle->set_external(external);
}

} // namespace

Image sample_image(unsigned pages) {
    Image image;
    auto* header = image.mutable_header();
    header->set_magic(0x524d4241);
    header->set_format_version(1);
    header->set_abi_version(AMBER_ABI_VERSION);
    header->set_state_version(AMBER_STATE_VERSION);
    header->set_program("hello");
    header->set_arguments("one two");
    header->set_checkpoint_ticks(1234);
    header->set_page_size(4096);

    Process& process = *image.mutable_process();
    process.set_space_id(7);
    add_handle(process, 1, AMBER_OBJECT_SPACE, AMBER_RIGHTS_ALL, 7);
    add_handle(process, 2, AMBER_OBJECT_THREAD, AMBER_RIGHTS_ALL, 5);
    add_handle(process, 3, AMBER_OBJECT_PORT, AMBER_RIGHT_OPERATE, 100, "supervisor");
    add_objects(process);
    auto* code = process.add_memory();
    code->set_base(0x400000);
    code->set_size(0x2000);
    code->set_protection(AMBER_PROT_READ | AMBER_PROT_EXECUTE);
    code->set_kind(AMBER_MEMORY_ANONYMOUS);
    code->set_present_pages(1);
    auto* stack = process.add_memory();
    stack->set_base(0x7ffffffc0000);
    stack->set_size(0x40000);
    stack->set_protection(AMBER_PROT_READ | AMBER_PROT_WRITE);
    stack->set_kind(AMBER_MEMORY_ANONYMOUS);
    stack->set_present_pages(pages > 0 ? pages - 1 : 0);

    for (unsigned run = 0; run < 2 && pages > run; ++run) {
        auto* page_run = image.add_page_runs();
        unsigned count = run == 0 ? 1 : pages - 1;
        page_run->set_address(run == 0 ? 0x400000 : 0x7ffffffc0000);
        std::string data(count * 4096, '\0');
        for (std::size_t i = 0; i < data.size(); i += 61) data[i] = static_cast<char>(i / 61 + run);
        page_run->set_data(data);
    }
    auto* stats = image.mutable_stats();
    stats->set_frozen_time_us(1500);
    stats->set_dump_time_us(400);
    stats->set_write_time_us(1100);
    stats->set_pages_scanned(pages + 2);
    stats->set_pages_zero(2);
    stats->set_pages_written(pages);
    stats->set_image_bytes(4700);
    return image;
}

std::uint32_t reference_crc32(const std::string& bytes) {
    std::uint32_t crc = 0xffffffffu;
    for (unsigned char byte : bytes) {
        crc ^= byte;
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

std::string file_bytes(Image image) {
    image.clear_checksum();
    std::string bytes;
    if (!image.SerializeToString(&bytes)) throw std::runtime_error("cannot serialize the image");
    std::uint32_t crc = reference_crc32(bytes);
    bytes += '\x7d';
    for (int i = 0; i < 4; ++i) bytes += static_cast<char>(crc >> (8 * i));
    return bytes;
}

TempDir::TempDir() {
    char pattern[] = "/tmp/amber-crit-test-XXXXXX";
    if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() { std::filesystem::remove_all(path_); }

std::string TempDir::write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
    return path(name);
}

std::string read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream bytes;
    bytes << file.rdbuf();
    return bytes.str();
}

CommandResult run(const std::string& command) {
    CommandResult result{-1, {}};
    std::FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return result;
    char buffer[4096];
    while (std::size_t count = std::fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, count);
    int status = pclose(pipe);
    if (WIFEXITED(status)) result.status = WEXITSTATUS(status);
    return result;
}

std::string crit_binary() {
    const char* binary = std::getenv("AMBER_CRIT");
    return binary ? binary : "build/tools/amber-crit";
}

} // namespace crit_test
