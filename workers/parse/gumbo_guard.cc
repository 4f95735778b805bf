#include "workers/parse/gumbo_guard.h"

#include <setjmp.h>
#include <signal.h>

namespace forager {
namespace {

// Where an abort() inside gumbo jumps to; null outside gumbo_parse_guarded.
sigjmp_buf* volatile g_jump = nullptr;
struct sigaction g_previous = {};

void on_abort(int signo, siginfo_t* info, void* context) {
  if (g_jump != nullptr) siglongjmp(*g_jump, 1);
  // Not gumbo's: what was there before. Returning lets abort() go on to
  // restore the default action and kill the process.
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(signo, info, context);
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(signo);
  }
}

void install_once() {
  static const bool installed = [] {
    struct sigaction action = {};
    action.sa_sigaction = &on_abort;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    return ::sigaction(SIGABRT, &action, &g_previous) == 0;
  }();
  (void)installed;
}

}  // namespace

GumboOutput* gumbo_parse_guarded(const GumboOptions& options, const char* html, size_t size) {
  install_once();
  sigjmp_buf jump;
  // sigsetjmp saves the signal mask: SIGABRT, blocked while its handler
  // runs, is unblocked again on the way back.
  if (sigsetjmp(jump, 1) != 0) {
    g_jump = nullptr;
    return nullptr;
  }
  g_jump = &jump;
  GumboOutput* output = gumbo_parse_with_options(&options, html, size);
  g_jump = nullptr;
  return output;
}

}  // namespace forager
