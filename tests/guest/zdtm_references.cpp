// The references of zdtm `blocked`: one of each kind of rights the kernel gives a reference (all of
// a handle's, some, none), which a restore must bring back exactly: never more (issue 11, item 9).
#include <amber/abi.h>
#include <amber/objects.h>

#include "../../userland/lib/ipc.hpp"
#include "../../userland/runtime/runtime.hpp"
#include "zdtm_support.hpp"

namespace zdtm {
namespace {

namespace sys = amber::sys;

constexpr unsigned count = 4;
struct Made {
    amber_handle_t reference, target;
    uint32_t rights;
};
Made made[count];

amber_handle_t handle_of(amber::SyscallReturn r) { return r.ok() ? static_cast<amber_handle_t>(r.value) : 0; }

// A reference to `target` with the rights of a handle reduced to `rights` (they include DUPLICATE).
Made reduced(amber_handle_t target, uint32_t rights) {
    Made m{handle_of(sys::reference_create(0ull)), target, rights};
    amber_handle_t narrow = handle_of(sys::handle_duplicate(target, rights));
    sys::reference_set(m.reference, narrow);
    sys::handle_close(narrow);
    return m;
}

} // namespace

void make_references() {
    amber_handle_t mutex = handle_of(sys::mutex_create(0ull));
    amber::ipc::Endpoint e = amber::ipc::endpoint(0xdd);
    made[0] = reduced(AMBER_HANDLE_SELF_SPACE, AMBER_RIGHTS_ALL);
    made[1] = reduced(mutex, AMBER_RIGHT_GET_STATE | AMBER_RIGHT_DUPLICATE);
    made[2] = reduced(e.port, AMBER_RIGHT_DUPLICATE | AMBER_RIGHT_OPERATE);
    // None: what object_get_references sets (the port's set) identifies and grants nothing.
    made[3] = {handle_of(sys::reference_create(0ull)), e.set, 0};
    sys::object_get_references(e.port, &made[3].reference, 1ull);
}

const char* check_references() {
    for (const Made& m : made) {
        amber_reference_state state{};
        amber_handle_info target{};
        if (!sys::object_get_state(m.reference, &state, sizeof state).ok() || !sys::object_info(m.target, &target).ok())
            return "a reference or its target is gone";
        if (state.target_id != target.id) return "a reference points elsewhere after the restore";
        if (state.rights != m.rights) {
            amber::print("zdtm: reference to object %lu has rights 0x%x, made with 0x%x\n", target.id, state.rights,
                         m.rights);
            return "a reference's rights changed across the restore";
        }
        amber_handle_t got = handle_of(sys::reference_get(m.reference));
        amber_handle_info info{};
        bool same = sys::object_info(got, &info).ok() && info.rights == m.rights;
        sys::handle_close(got);
        if (!same) return "a handle made from a restored reference has other rights";
    }
    return nullptr;
}

} // namespace zdtm
