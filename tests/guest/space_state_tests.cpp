// Guest tests of a space's exported state beyond its counts: its name (issue 11, item 9).
#include "object_test_support.hpp"

using namespace object_tests;

namespace {

// `text` as a NUL-padded name.
void name_as(char (&name)[AMBER_SPACE_NAME_MAX], const char* text) {
    __builtin_memset(name, 0, sizeof name);
    for (unsigned i = 0; text[i] != '\0' && i < sizeof name; ++i) name[i] = text[i];
}

bool named(amber_handle_t space, const char* text) {
    amber_space_state state{};
    char expected[AMBER_SPACE_NAME_MAX];
    name_as(expected, text);
    return get_state(space, state) == AMBER_OK && __builtin_memcmp(state.name, expected, sizeof expected) == 0;
}

} // namespace

AMBER_TEST(a_space_exports_its_name_and_set_state_sets_it) {
    CHECK(named(self_space, "object_tests")); // the program the kernel started in it
    amber_handle_t child = handle_of(amber::sys::space_create(0));
    CHECK(named(child, "space")); // space_create's name
    amber_space_state state{};
    CHECK_EQ(get_state(child, state), AMBER_OK);
    name_as(state.name, "a restored program's name");
    state.clock_offset = 1234;
    CHECK_EQ(set_state(child, state), AMBER_OK);
    CHECK(named(child, "a restored program's name"));
    name_as(state.name, "short"); // replaces the longer name whole: nothing of it is left behind
    CHECK_EQ(set_state(child, state), AMBER_OK);
    CHECK(named(child, "short"));
    name_as(state.name, "thirty-one bytes, then the NUL.");
    CHECK_EQ(set_state(child, state), AMBER_OK);
    CHECK(named(child, "thirty-one bytes, then the NUL."));
    name_as(state.name, "");
    CHECK_EQ(set_state(child, state), AMBER_OK);
    CHECK(named(child, ""));

    // Refused, and nothing changes (neither the name nor the clock offset).
    name_as(state.name, "kept");
    state.clock_offset = 5;
    CHECK_EQ(set_state(child, state), AMBER_OK);
    amber_space_state bad = state;
    bad.clock_offset = 99;
    __builtin_memset(bad.name, 'x', sizeof bad.name); // no NUL
    CHECK_EQ(set_state(child, bad), AMBER_ERR_INVALID_ARGUMENT);
    name_as(bad.name, "tail");
    bad.name[10] = 'y'; // a byte after the first NUL
    CHECK_EQ(set_state(child, bad), AMBER_ERR_INVALID_ARGUMENT);
    name_as(bad.name, "two\nlines"); // a control character (a forged log line)
    CHECK_EQ(set_state(child, bad), AMBER_ERR_INVALID_ARGUMENT);
    name_as(bad.name, "del\x7f");
    CHECK_EQ(set_state(child, bad), AMBER_ERR_INVALID_ARGUMENT);
    amber_space_state now{};
    CHECK_EQ(get_state(child, now), AMBER_OK);
    CHECK(named(child, "kept"));
    CHECK_EQ(now.clock_offset, 5);

    // Setting it needs SET_STATE; reading it GET_STATE.
    amber_handle_t reader = handle_of(amber::sys::handle_duplicate(child, AMBER_RIGHT_GET_STATE));
    CHECK(named(reader, "kept"));
    CHECK_EQ(set_state(reader, state), AMBER_ERR_ACCESS_DENIED);
    amber::sys::handle_close(reader);
    amber::sys::object_destroy(child);
    amber::sys::handle_close(child);
}
