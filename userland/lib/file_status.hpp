// Words for the file protocol's error codes (Reply.status = -FsStatus).
#pragma once

#include "../fs/fat32.hpp"

namespace amber::fs {

inline const char* file_status_text(int32_t code) {
    if (code <= 0 || code > static_cast<int32_t>(FsStatus::NotMounted)) return "the file server failed";
    return describe(static_cast<FsStatus>(code));
}

} // namespace amber::fs
