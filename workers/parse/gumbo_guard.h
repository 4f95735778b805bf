// gumbo-parser with its assertions survived. Debian builds libgumbo with
// assertions on, and gumbo 0.10.1 trips some on hostile markup (e.g.
// `<table><svg><select><title><select><td>`: node_qualified_tag_is:
// Assertion `node' failed, the stack of open elements run empty), which
// would abort the whole worker and the pages it had in flight. Here the
// SIGABRT of such an assertion returns control to the parse's caller instead.
// That is sound only because of how forager parses: every gumbo allocation
// comes from a GumboArena the caller throws away afterwards, gumbo keeps no
// global state, and between this function and gumbo's assert() there are only
// C frames. glibc prints the assertion message to stderr first.
#pragma once

#include <gumbo.h>

#include <cstddef>

namespace forager {

// gumbo_parse_with_options(), or null when gumbo stopped on an assertion
// (abort()). Then the caller must discard everything gumbo allocated through
// `options` (its arena). Not reentrant; the process's other SIGABRTs go to the
// handler that was installed before the first call (or kill as usual).
GumboOutput* gumbo_parse_guarded(const GumboOptions& options, const char* html, size_t size);

}  // namespace forager
