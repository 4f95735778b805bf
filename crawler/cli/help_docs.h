// The man page forager(1) and the bash and zsh completions, generated from
// the same CLI11 definition that parses the command line and prints --help
// (crawler/cli/app.h). The build runs `forager __generate man|bash|zsh` on
// the built binary and installs the output.
#pragma once

#include <CLI/CLI.hpp>

#include <ostream>
#include <string_view>

namespace forager {

// argv[1] of the generator mode: not a user command.
inline constexpr const char* kGenerateArgument = "__generate";

// Writes the document `kind` ("man", "bash" or "zsh") for `app` to `out`;
// false for an unknown kind (nothing written).
bool write_help_document(const CLI::App& app, std::string_view kind, std::ostream& out);

}  // namespace forager
