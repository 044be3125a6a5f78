// kernel/core/object.cpp: kernel-chosen and explicit ids, the type tag and object_cast,
// retain/release, destroy() (on_destroy once, idempotent, the object outliving it while referenced)
// and the last release of a never-destroyed object (on_destroy, then free), re-entrant teardown.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <optional>
#include <set>

#include "../../kernel/core/kernel_heap.hpp"
#include "../../kernel/core/object.hpp"
#include "../../kernel/core/thread.hpp"
#include "host_support.hpp"
#include "probe_object.hpp"

namespace {

using host_test::ProbeObject;
using host_test::ProbeRecord;
using kernel::ObjectType;

ProbeObject* make_probe(ProbeRecord& record, uint64_t id = 0) {
    ProbeObject* probe = kernel::create<ProbeObject>(record, id);
    BOOST_REQUIRE(probe != nullptr);
    return probe;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(object, host_test::KernelHeapFixture)

BOOST_AUTO_TEST_CASE(kernel_chosen_ids_are_non_zero_and_distinct) {
    ProbeRecord record;
    std::set<uint64_t> ids;
    ProbeObject* probes[8];
    for (ProbeObject*& probe : probes) {
        probe = make_probe(record);
        BOOST_TEST(probe->id() != 0u);
        ids.insert(probe->id());
    }
    BOOST_TEST(ids.size() == std::size(probes));
    for (ProbeObject* probe : probes) probe->release();
    BOOST_TEST(record.frees() == 8);
}

BOOST_AUTO_TEST_CASE(explicit_ids_are_kept) {
    ProbeRecord record;
    ProbeObject* a = make_probe(record, 0x1234);
    ProbeObject* b = make_probe(record, 0xfedcba9876543210ull);
    ProbeObject* c = make_probe(record, 0x1234); // ids are labels: the kernel does not police them
    BOOST_TEST(a->id() == 0x1234u);
    BOOST_TEST(b->id() == 0xfedcba9876543210ull);
    BOOST_TEST(c->id() == 0x1234u);
    a->destroy();
    BOOST_TEST(a->id() == 0x1234u); // write-once: destroy() keeps it
    a->release();
    b->release();
    c->release();
}

BOOST_AUTO_TEST_CASE(type_tags_match_the_uapi_values) {
    BOOST_TEST(static_cast<int>(ObjectType::Thread) == AMBER_OBJECT_THREAD);
    BOOST_TEST(static_cast<int>(ObjectType::Space) == AMBER_OBJECT_SPACE);
    BOOST_TEST(static_cast<int>(ObjectType::Region) == AMBER_OBJECT_REGION);
    BOOST_TEST(static_cast<int>(ObjectType::Mapping) == AMBER_OBJECT_MAPPING);
    BOOST_TEST(static_cast<int>(ObjectType::Port) == AMBER_OBJECT_PORT);
    BOOST_TEST(static_cast<int>(ObjectType::PortSet) == AMBER_OBJECT_PORT_SET);
    BOOST_TEST(static_cast<int>(ObjectType::Mutex) == AMBER_OBJECT_MUTEX);
    BOOST_TEST(static_cast<int>(ObjectType::Cond) == AMBER_OBJECT_COND);
    BOOST_TEST(static_cast<int>(ObjectType::Reference) == AMBER_OBJECT_REFERENCE);
    BOOST_TEST(static_cast<int>(ObjectType::Machine) == AMBER_OBJECT_MACHINE);
    BOOST_TEST(std::string(kernel::object_type_name(ObjectType::Thread)) == "thread");
    BOOST_TEST(std::string(kernel::object_type_name(ObjectType::PortSet)) == "port set");
    BOOST_TEST(std::string(kernel::object_type_name(ObjectType::Reference)) == "reference");
    BOOST_TEST(std::string(kernel::object_type_name(ObjectType::Machine)) == "machine");
    BOOST_TEST(std::string(kernel::object_type_name(static_cast<ObjectType>(0))) == "unknown");
}

BOOST_AUTO_TEST_CASE(object_cast_checks_the_type_tag) {
    ProbeRecord record;
    ProbeObject* probe = make_probe(record);
    kernel::Object* object = probe;
    BOOST_TEST((probe->type() == ObjectType::Cond));
    BOOST_TEST(kernel::object_cast<ProbeObject>(object) == probe);
    BOOST_TEST(kernel::object_cast<kernel::Thread>(object) == nullptr);
    BOOST_TEST(kernel::object_cast<kernel::Space>(object) == nullptr);
    BOOST_TEST(kernel::object_cast<ProbeObject>(static_cast<kernel::Object*>(nullptr)) == nullptr);
    probe->release();

    kernel::Space space{7001};
    std::optional<kernel::Thread> thread;
    thread.emplace(space, 7002);
    BOOST_TEST(kernel::object_cast<kernel::Thread>(&*thread) == &*thread);
    BOOST_TEST(kernel::object_cast<kernel::Space>(&*thread) == nullptr);
    BOOST_TEST(kernel::object_cast<kernel::Space>(&space) == &space);
    BOOST_TEST(kernel::object_cast<kernel::Thread>(&space) == nullptr);
}

BOOST_AUTO_TEST_CASE(release_frees_only_at_the_last_reference) {
    ProbeRecord record;
    ProbeObject* probe = make_probe(record);
    probe->retain();
    probe->retain();
    probe->release();
    probe->release();
    BOOST_TEST(record.events == "");
    BOOST_TEST(!probe->destroyed());
    probe->release();                  // the creator's reference, the last
    BOOST_TEST(record.events == "DF"); // never destroyed: on_destroy first, then freed
    BOOST_TEST(record.destroyed_flag_during_teardown == 1);
}

BOOST_AUTO_TEST_CASE(destroy_runs_on_destroy_once_and_keeps_the_memory) {
    ProbeRecord record;
    ProbeObject* probe = make_probe(record);
    probe->retain(); // a second holder
    probe->destroy();
    BOOST_TEST(record.events == "D");
    BOOST_TEST(probe->destroyed());
    BOOST_TEST(record.destroyed_flag_during_teardown == 1);
    probe->destroy(); // idempotent
    BOOST_TEST(record.events == "D");
    probe->release();
    BOOST_TEST(record.events == "D"); // one holder left: still readable
    BOOST_TEST(probe->destroyed());
    BOOST_TEST((probe->type() == ObjectType::Cond));
    probe->release();
    BOOST_TEST(record.events == "DF"); // freed without a second on_destroy
}

BOOST_AUTO_TEST_CASE(destroy_with_only_the_callers_reference) {
    ProbeRecord record;
    ProbeObject* probe = make_probe(record);
    probe->destroy();
    BOOST_TEST(record.events == "D");
    BOOST_TEST(probe->destroyed());
    probe->release();
    BOOST_TEST(record.events == "DF");
}

// Teardown that drops references leading back to the object (a cycle) must not free it early or
// run on_destroy twice: destroy() holds a reference of its own while on_destroy runs.
BOOST_AUTO_TEST_CASE(on_destroy_may_drop_references_to_the_object_itself) {
    ProbeRecord record;
    ProbeObject* probe = make_probe(record);
    probe->retain(); // held by something the teardown releases
    probe->on_destroy_hook = [probe] { probe->release(); };
    probe->destroy();
    BOOST_TEST(record.events == "D");
    probe->release();
    BOOST_TEST(record.events == "DF");
}

BOOST_AUTO_TEST_CASE(last_release_teardown_may_release_other_objects) {
    ProbeRecord outer_record, inner_record;
    ProbeObject* inner = make_probe(inner_record);
    ProbeObject* outer = make_probe(outer_record);
    outer->on_destroy_hook = [inner] { inner->release(); }; // outer holds inner's only reference
    outer->release();
    BOOST_TEST(outer_record.events == "DF");
    BOOST_TEST(inner_record.events == "DF");
}

BOOST_AUTO_TEST_SUITE_END()
