// kernel/core/handle_table.cpp: insert at the lowest free handle from 1, install at a chosen handle
// (EXISTS, INVALID_ARGUMENT for 0 and >= capacity), rights masking, find, remove and the reference
// each entry holds, next_used across the 256-entry pages, count, clear and the destructor, re-entrant
// removal from an object's teardown, and AMBER_ERR_LIMIT when all capacity - 1 handles are used.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <vector>

#include "../../kernel/core/handle_table.hpp"
#include "../../kernel/core/kernel_heap.hpp"
#include "host_support.hpp"
#include "probe_object.hpp"

namespace {

using host_test::ProbeObject;
using host_test::ProbeRecord;
using kernel::HandleTable;

// The fixture's probe is held only by the fixture until released; tables are per test case.
struct HandleTableFixture : host_test::KernelHeapFixture {
    ProbeObject* make_probe(ProbeRecord& r) {
        ProbeObject* probe = kernel::create<ProbeObject>(r);
        BOOST_REQUIRE(probe != nullptr);
        return probe;
    }
    amber_handle_t insert(ProbeObject* object, uint32_t rights = AMBER_RIGHTS_ALL) {
        amber_handle_t handle = 0xdead;
        BOOST_TEST(table.insert(object, rights, handle) == AMBER_OK);
        return handle;
    }
    std::vector<amber_handle_t> used() const {
        std::vector<amber_handle_t> handles;
        for (amber_handle_t h = table.next_used(0); h != AMBER_HANDLE_NONE; h = table.next_used(h + 1))
            handles.push_back(h);
        return handles;
    }

    ProbeRecord record;
    HandleTable table;
};

using Handles = std::vector<amber_handle_t>;

} // namespace

BOOST_FIXTURE_TEST_SUITE(handle_table, HandleTableFixture)

BOOST_AUTO_TEST_CASE(capacity) {
    BOOST_TEST(HandleTable::entries_per_page == 256u);
    BOOST_TEST(HandleTable::capacity == 4096u);
    BOOST_TEST(table.count() == 0u);
    BOOST_TEST(table.next_used(0) == AMBER_HANDLE_NONE);
}

BOOST_AUTO_TEST_CASE(insert_picks_the_lowest_free_handle_from_one) {
    ProbeObject* probe = make_probe(record);
    BOOST_TEST(insert(probe) == 1u);
    BOOST_TEST(insert(probe) == 2u);
    BOOST_TEST(insert(probe) == 3u);
    BOOST_TEST(table.count() == 3u);
    BOOST_TEST(table.remove(2));
    BOOST_TEST(insert(probe) == 2u);
    BOOST_TEST(insert(probe) == 4u);
    BOOST_TEST(table.count() == 4u);
    probe->release();
    BOOST_TEST(record.events == ""); // the table's references keep it
    table.clear();
    BOOST_TEST(record.events == "DF");
}

BOOST_AUTO_TEST_CASE(install_at_a_chosen_handle) {
    ProbeObject* probe = make_probe(record);
    BOOST_TEST(table.install(1, probe, AMBER_RIGHTS_ALL) == AMBER_OK);
    BOOST_TEST(table.install(300, probe, AMBER_RIGHT_GET_STATE) == AMBER_OK);                     // second page
    BOOST_TEST(table.install(HandleTable::capacity - 1, probe, AMBER_RIGHT_OPERATE) == AMBER_OK); // last
    BOOST_TEST(table.count() == 3u);
    BOOST_TEST(used() == (Handles{1, 300, 4095}), boost::test_tools::per_element());
    BOOST_TEST(insert(probe) == 2u); // insert skips the installed handle 1
    probe->release();
    table.clear();
    BOOST_TEST(record.events == "DF");
}

BOOST_AUTO_TEST_CASE(install_rejects_used_and_invalid_handles) {
    ProbeObject* probe = make_probe(record);
    BOOST_TEST(table.install(5, probe, AMBER_RIGHTS_ALL) == AMBER_OK);
    BOOST_TEST(table.install(5, probe, AMBER_RIGHT_DESTROY) == AMBER_ERR_EXISTS);
    BOOST_TEST(table.find(5)->rights == AMBER_RIGHTS_ALL); // unchanged by the failed install
    BOOST_TEST(table.install(AMBER_HANDLE_NONE, probe, AMBER_RIGHTS_ALL) == AMBER_ERR_INVALID_ARGUMENT);
    BOOST_TEST(table.install(HandleTable::capacity, probe, AMBER_RIGHTS_ALL) == AMBER_ERR_INVALID_ARGUMENT);
    BOOST_TEST(table.install(0xffffffffu, probe, AMBER_RIGHTS_ALL) == AMBER_ERR_INVALID_ARGUMENT);
    BOOST_TEST(table.count() == 1u);
    BOOST_TEST(table.remove(5));
    BOOST_TEST(record.events == ""); // failed installs took no reference: the creator's is the last
    probe->release();
    BOOST_TEST(record.events == "DF");
}

BOOST_AUTO_TEST_CASE(rights_are_masked_to_the_defined_bits) {
    ProbeObject* probe = make_probe(record);
    amber_handle_t handle = insert(probe, 0xffffffffu);
    BOOST_TEST(table.find(handle)->rights == AMBER_RIGHTS_ALL);
    BOOST_TEST(table.install(9, probe, AMBER_RIGHT_DUPLICATE | 0x100u) == AMBER_OK);
    BOOST_TEST(table.find(9)->rights == AMBER_RIGHT_DUPLICATE);
    probe->release();
}

BOOST_AUTO_TEST_CASE(find_returns_the_entry_or_null) {
    ProbeObject* probe = make_probe(record);
    BOOST_TEST(table.install(2, probe, AMBER_RIGHT_OPERATE) == AMBER_OK);
    kernel::HandleEntry* entry = table.find(2);
    BOOST_REQUIRE(entry != nullptr);
    BOOST_TEST(entry->object == probe);
    BOOST_TEST(entry->rights == AMBER_RIGHT_OPERATE);
    BOOST_TEST(table.find(1) == nullptr);                     // free, page allocated
    BOOST_TEST(table.find(3) == nullptr);                     // free, page allocated
    BOOST_TEST(table.find(700) == nullptr);                   // page never allocated
    BOOST_TEST(table.find(AMBER_HANDLE_NONE) == nullptr);     // never valid
    BOOST_TEST(table.find(HandleTable::capacity) == nullptr); // out of range
    BOOST_TEST(table.find(0xffffffffu) == nullptr);
    probe->release();
}

BOOST_AUTO_TEST_CASE(remove_drops_the_entrys_reference) {
    ProbeObject* probe = make_probe(record);
    amber_handle_t first = insert(probe);
    amber_handle_t second = insert(probe);
    probe->release(); // only the two entries hold it now
    BOOST_TEST(table.remove(first));
    BOOST_TEST(record.events == "");
    BOOST_TEST(table.find(first) == nullptr);
    BOOST_TEST(!table.remove(first)); // already gone
    BOOST_TEST(table.count() == 1u);
    BOOST_TEST(table.remove(second));
    BOOST_TEST(record.events == "DF");
    BOOST_TEST(table.count() == 0u);
    BOOST_TEST(!table.remove(AMBER_HANDLE_NONE));
    BOOST_TEST(!table.remove(HandleTable::capacity));
    BOOST_TEST(!table.remove(1000)); // page never allocated
}

BOOST_AUTO_TEST_CASE(next_used_crosses_page_boundaries) {
    ProbeObject* probe = make_probe(record);
    const Handles handles{1, 255, 256, 511, 512, 1000, 2047, 4095};
    for (amber_handle_t h : handles) BOOST_TEST(table.install(h, probe, AMBER_RIGHTS_ALL) == AMBER_OK);
    BOOST_TEST(used() == handles, boost::test_tools::per_element());
    BOOST_TEST(table.next_used(0) == 1u);
    BOOST_TEST(table.next_used(2) == 255u);
    BOOST_TEST(table.next_used(256) == 256u);
    BOOST_TEST(table.next_used(257) == 511u);
    BOOST_TEST(table.next_used(513) == 1000u); // skips the unallocated pages 2 and 3
    BOOST_TEST(table.next_used(1001) == 2047u);
    BOOST_TEST(table.next_used(2048) == 4095u); // pages 8 .. 14 never allocated
    BOOST_TEST(table.next_used(4096) == AMBER_HANDLE_NONE);
    BOOST_TEST(table.next_used(0xffffffffu) == AMBER_HANDLE_NONE);
    BOOST_TEST(table.remove(256));
    BOOST_TEST(table.remove(511));
    BOOST_TEST(table.next_used(256) == 512u); // page 1 allocated but empty
    BOOST_TEST(table.count() == handles.size() - 2);
    probe->release();
}

BOOST_AUTO_TEST_CASE(clear_releases_everything) {
    ProbeRecord records[4];
    const amber_handle_t at[4] = {1, 17, 300, 4000};
    for (size_t i = 0; i < 4; ++i) {
        ProbeObject* probe = make_probe(records[i]);
        BOOST_TEST(table.install(at[i], probe, AMBER_RIGHTS_ALL) == AMBER_OK);
        probe->release();
    }
    BOOST_TEST(table.count() == 4u);
    table.clear();
    for (const ProbeRecord& r : records) BOOST_TEST(r.events == "DF");
    BOOST_TEST(table.count() == 0u);
    BOOST_TEST(table.next_used(0) == AMBER_HANDLE_NONE);
    BOOST_TEST(table.find(300) == nullptr);
    ProbeObject* probe = make_probe(record); // usable again after clear
    BOOST_TEST(insert(probe) == 1u);
    probe->release();
}

BOOST_AUTO_TEST_CASE(destructor_releases_everything) {
    {
        HandleTable scoped;
        ProbeObject* probe = make_probe(record);
        BOOST_TEST(scoped.install(260, probe, AMBER_RIGHTS_ALL) == AMBER_OK);
        probe->release();
        BOOST_TEST(record.events == "");
    }
    BOOST_TEST(record.events == "DF");
}

// An object's teardown may remove other handles of the same table (remove() and clear() release
// the reference last, after the entry is gone).
BOOST_AUTO_TEST_CASE(teardown_may_remove_other_handles) {
    ProbeRecord inner_record;
    ProbeObject* outer = make_probe(record);
    ProbeObject* inner = make_probe(inner_record);
    amber_handle_t outer_handle = insert(outer);
    amber_handle_t inner_handle = insert(inner);
    outer->on_destroy_hook = [this, inner_handle] { BOOST_TEST(table.remove(inner_handle)); };
    outer->release();
    inner->release();
    BOOST_TEST(table.remove(outer_handle));
    BOOST_TEST(record.events == "DF");
    BOOST_TEST(inner_record.events == "DF");
    BOOST_TEST(table.count() == 0u);

    outer = make_probe(record);
    inner = make_probe(inner_record);
    insert(outer);
    inner_handle = insert(inner);
    outer->on_destroy_hook = [this, inner_handle] { BOOST_TEST(table.remove(inner_handle)); };
    outer->release();
    inner->release();
    table.clear();
    BOOST_TEST(record.events == "DFDF");
    BOOST_TEST(inner_record.events == "DFDF");
}

BOOST_AUTO_TEST_CASE(insert_fails_with_limit_when_full) {
    ProbeObject* probe = make_probe(record);
    for (amber_handle_t expected = 1; expected < HandleTable::capacity; ++expected) {
        amber_handle_t handle = 0;
        if (table.insert(probe, AMBER_RIGHTS_ALL, handle) != AMBER_OK || handle != expected) {
            BOOST_FAIL("insert number " << expected << " gave handle " << handle);
        }
    }
    BOOST_TEST(table.count() == HandleTable::capacity - 1);
    amber_handle_t handle = 0xdead;
    BOOST_TEST(table.insert(probe, AMBER_RIGHTS_ALL, handle) == AMBER_ERR_LIMIT);
    BOOST_TEST(handle == 0xdeadu); // untouched on failure
    BOOST_TEST(table.count() == HandleTable::capacity - 1);
    BOOST_TEST(table.remove(1000));
    BOOST_TEST(insert(probe) == 1000u);
    BOOST_TEST(table.install(1000, probe, AMBER_RIGHTS_ALL) == AMBER_ERR_EXISTS);
    probe->release();
    BOOST_TEST(record.events == "");
    table.clear();
    BOOST_TEST(record.events == "DF");
}

BOOST_AUTO_TEST_SUITE_END()
