// forager's entry point: a worker process (forked and exec'd by a crawl), the
// generators of the man page and shell completions (run at build time), or a
// user command (crawler/cli/app.h).
#include <cstdio>
#include <iostream>
#include <string_view>

#include "crawler/cli/app.h"
#include "crawler/cli/help_docs.h"
#include "workers/worker_main.h"

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == forager::kWorkerArgument) forager::run_worker_process(argv[2]);
  forager::CommandLine command_line;
  if (argc == 3 && std::string_view(argv[1]) == forager::kGenerateArgument) {
    if (!forager::write_help_document(command_line.app(), argv[2], std::cout)) {
      std::fprintf(stderr, "forager %s: unknown document '%s' (man, bash or zsh)\n", forager::kGenerateArgument,
                   argv[2]);
      return forager::kExitUsage;
    }
    return std::cout.flush() ? 0 : 1;
  }
  return command_line.run(argc, argv);
}
