#include "crawler/cli/help_docs.h"

#include <string>
#include <vector>

namespace forager {
namespace {

// One command: "crawl", "schedule", "schedule add".
struct Command {
  std::string path;
  const CLI::App* app;
};

void collect_commands(const CLI::App& app, const std::string& prefix, std::vector<Command>& out) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    const std::string path = prefix.empty() ? sub->get_name() : prefix + " " + sub->get_name();
    out.push_back({path, sub});
    collect_commands(*sub, path, out);
  }
}

std::vector<Command> all_commands(const CLI::App& app) {
  std::vector<Command> commands;
  collect_commands(app, "", commands);
  return commands;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  return names;
}

// What the documents need to know of one option.
struct OptionInfo {
  std::vector<std::string> names;    // "-o", "--output"; a positional's name
  std::string type;                  // "PATH", "INT", ... ("" for a flag)
  std::vector<std::string> choices;  // from a CLI::IsMember check
  std::string description;
  std::string default_value;
  bool positional = false;
  bool takes_value = true;
  bool file_value = false;  // completed with file names
};

OptionInfo describe(const CLI::Option& option) {
  OptionInfo info;
  info.positional = option.get_positional();
  if (info.positional) {
    info.names.push_back(option.get_name(true));
  } else {
    for (const auto& s : option.get_snames()) info.names.push_back("-" + s);
    for (const auto& l : option.get_lnames()) info.names.push_back("--" + l);
  }
  const std::string full_type = option.get_type_name();
  const size_t colon = full_type.find(':');
  info.type = full_type.substr(0, colon);
  if (colon != std::string::npos && full_type.size() > colon + 2 && full_type[colon + 1] == '{' &&
      full_type.back() == '}') {
    const std::string list = full_type.substr(colon + 2, full_type.size() - colon - 3);
    size_t start = 0;
    while (start <= list.size()) {
      const size_t comma = list.find(',', start);
      info.choices.push_back(list.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  info.description = option.get_description();
  info.default_value = option.get_default_str();
  info.takes_value = info.positional || option.get_expected_min() > 0;
  if (!info.takes_value) info.type.clear();
  info.file_value = info.type == "PATH" || info.type == "FILE" || info.type == "URL|FILE";
  return info;
}

std::vector<OptionInfo> options_of(const CLI::App& app, bool positional) {
  std::vector<OptionInfo> out;
  for (const CLI::Option* option : app.get_options())
    if (option->get_positional() == positional) out.push_back(describe(*option));
  return out;
}

// --- man page (roff, man(7) macros) ---------------------------------------

// Text safe in roff: backslashes escaped, '-' as a minus (options stay
// copy-pasteable), no control character at the start of a line.
std::string roff(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

struct ExitStatus {
  const char* code;
  const char* meaning;
};
constexpr ExitStatus kExitStatuses[] = {
    {"0", "done: the command did what was asked (a crawl finished, or stopped at a budget)"},
    {"1", "runtime failure: the store cannot be opened or written, the disk is full, ..."},
    {"2", "wrong usage: an unknown command or option, a bad value, a rules file that does not parse, or an "
          "unknown job, run or schedule named; nothing is written"},
    {"3", "crawl: the run finished but not one page could be fetched (no request got an HTTP response: a dead "
          "host, every seed refused by robots.txt); fetch: the URL got no HTTP response (refused by robots.txt, "
          "a dead host, a timeout)"},
    {"4", "crawl --fail-on-error: a record of the run has an error code or an HTTP status of 400 or more"},
    {"75", "crawl: the job is being crawled by another live process"},
    {"130, 143", "crawl: stopped by SIGINT or SIGTERM (128 + the signal number); the next crawl of the job "
                 "resumes"},
};

std::string synopsis_of(const Command& command) {
  std::string text = "forager " + command.path;
  if (command.app->get_require_subcommand_min() > 0) return text + " COMMAND";
  text += " [OPTIONS]";
  for (const auto& p : options_of(*command.app, true)) {
    const bool required = command.app->get_option_no_throw(p.names.front()) != nullptr &&
                          command.app->get_option_no_throw(p.names.front())->get_required();
    const std::string shown = p.type + (p.names.front() == "seeds" ? " ..." : "");
    text += required ? " " + shown : " [" + shown + "]";
  }
  return text;
}

void write_man_option(const OptionInfo& o, std::ostream& out) {
  out << ".TP\n";
  for (size_t i = 0; i < o.names.size(); ++i) out << (i ? ", " : "") << "\\fB" << roff(o.names[i]) << "\\fR";
  if (!o.type.empty()) out << " \\fI" << roff(o.type) << "\\fR";
  out << "\n" << roff(o.description);
  if (!o.choices.empty()) {
    out << " (";
    for (size_t i = 0; i < o.choices.size(); ++i) out << (i ? ", " : "") << roff(o.choices[i]);
    out << ")";
  }
  if (!o.default_value.empty()) out << " [default: " << roff(o.default_value) << "]";
  out << "\n";
}

void write_man(const CLI::App& app, std::ostream& out) {
  out << ".\\\" Generated by `forager __generate man` from the command-line definition; do not edit.\n"
      << ".TH FORAGER 1 \"\" \"forager " << FORAGER_VERSION << "\" \"User Commands\"\n"
      << ".SH NAME\nforager \\- " << roff(app.get_description()) << "\n"
      << ".SH SYNOPSIS\n";
  for (const auto& command : all_commands(app))
    if (command.app->get_require_subcommand_min() == 0) out << ".B " << roff(synopsis_of(command)) << "\n.br\n";
  out << ".B forager \\-\\-version\n"
      << ".SH DESCRIPTION\n"
         "forager crawls the web from seed URLs with several worker processes, politely (per-host limits, "
         "delays, robots.txt), keeps everything in one SQLite file, exports what it scraped as JSON, JSON "
         "Lines or CSV, writes HTML reports, and re-crawls on a schedule, telling what changed.\n"
         ".PP\n"
         "Every command takes \\fB\\-\\-help\\fR. Sizes take K, M and G suffixes (binary: 1K = 1024; KiB, MiB "
         "and GiB too); \\fB\\-\\-delay\\fR and \\fB\\-\\-timeout\\fR take ms, s, m and h suffixes (a plain "
         "number is milliseconds for \\fB\\-\\-delay\\fR, seconds for \\fB\\-\\-timeout\\fR).\n"
         ".SH COMMANDS\n";
  for (const auto& command : all_commands(app)) {
    out << ".SS \"" << roff(synopsis_of(command)) << "\"\n" << roff(command.app->get_description()) << "\n";
    for (const auto& o : options_of(*command.app, false)) write_man_option(o, out);
  }
  out << ".SH EXIT STATUS\n";
  for (const auto& status : kExitStatuses) out << ".TP\n.B " << status.code << "\n" << roff(status.meaning) << "\n";
  out << ".SH ENVIRONMENT\n"
         "Every crawl option takes its default from the environment variable FORAGER_ and its name in upper "
         "case with '-' as '_' (\\fB\\-\\-user\\-agent\\fR: FORAGER_USER_AGENT; flags: true or false); "
         "FORAGER_DB is the default \\fB\\-\\-db\\fR of every command. \\fBcrawl \\-\\-config\\fR "
         "\\fIFILE\\fR reads defaults from a TOML file (INI for *.ini): option = value. Precedence: the "
         "command line, then the environment, then the file, then the built-in defaults.\n"
         ".TP\n.B FORAGER_PASSWORD\n"
         "The password for \\fB\\-\\-user\\fR (else ~/.netrc); never taken from the command line.\n";
  out << ".SH FILES\n.TP\n.I forager.db\n"
         "The store in the current folder, unless \\fB\\-\\-db\\fR names another.\n"
         ".SH SEE ALSO\n"
         "The README and docs/ installed in \\fI/usr/share/doc/forager\\fR (or under the install prefix): "
         "extraction rules (RULES.md), schedules and their systemd units (SCHEDULING.md), reports (REPORT.md).\n";
}

// --- bash ----------------------------------------------------------------

std::string shell_words(const std::vector<std::string>& words) {
  std::string text;
  for (size_t i = 0; i < words.size(); ++i) text += (i ? " " : "") + words[i];
  return text;
}

std::string slash_path(const std::string& path) {
  std::string out = path;
  for (char& c : out)
    if (c == ' ') c = '/';
  return out;
}

void write_bash(const CLI::App& app, std::ostream& out) {
  const auto commands = all_commands(app);
  out << "# bash completion for forager. Generated by `forager __generate bash` from the command-line\n"
         "# definition; do not edit.\n"
         "_forager() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} path= i\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    case \"$path/${COMP_WORDS[i]}\" in\n";
  for (const auto& c : commands) {
    const std::string p = slash_path(c.path);
    out << "      \"" << (c.path.find(' ') == std::string::npos ? "" : p.substr(0, p.rfind('/'))) << "/"
        << c.app->get_name() << "\") path=" << p << " ;;\n";
  }
  out << "    esac\n  done\n"
         "  case \"$path $prev\" in\n";
  for (const auto& c : commands) {
    for (const auto& o : options_of(*c.app, false)) {
      if (!o.takes_value) continue;
      out << "    ";
      for (size_t i = 0; i < o.names.size(); ++i)
        out << (i ? "|" : "") << "\"" << slash_path(c.path) << " " << o.names[i] << "\"";
      if (!o.choices.empty())
        out << ") COMPREPLY=($(compgen -W \"" << shell_words(o.choices) << "\" -- \"$cur\")); return ;;\n";
      else if (o.file_value)
        out << ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n";
      else
        out << ") COMPREPLY=(); return ;;\n";
    }
  }
  out << "  esac\n"
         "  case \"$path\" in\n"
         "    \"\") COMPREPLY=($(compgen -W \""
      << shell_words(subcommand_names(app)) << " --help --version\" -- \"$cur\")) ;;\n";
  for (const auto& c : commands) {
    std::vector<std::string> names;
    for (const auto& o : options_of(*c.app, false)) names.insert(names.end(), o.names.begin(), o.names.end());
    const auto subs = subcommand_names(*c.app);
    out << "    " << slash_path(c.path) << ")\n";
    if (!subs.empty()) {
      out << "      COMPREPLY=($(compgen -W \"" << shell_words(subs) << " " << shell_words(names)
          << "\" -- \"$cur\")) ;;\n";
      continue;
    }
    out << "      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"" << shell_words(names)
        << "\" -- \"$cur\"))\n";
    out << "      else COMPREPLY=($(compgen -f -- \"$cur\")); fi ;;\n";
  }
  out << "  esac\n}\ncomplete -o filenames -F _forager forager\n";
}

// --- zsh -----------------------------------------------------------------

// A single-quoted zsh word.
std::string zsh_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The text of an _arguments description: brackets and colons escaped.
std::string zsh_description(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '[' || c == ']' || c == ':' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string zsh_function(const std::string& path) {
  std::string name = "_forager";
  for (char c : (" " + path)) name += c == ' ' ? '_' : c;
  return name;
}

void write_zsh_command(const Command& c, std::ostream& out) {
  out << zsh_function(c.path) << "() {\n";
  const auto subs = c.app->get_subcommands([](const CLI::App*) { return true; });
  if (!subs.empty()) {
    out << "  local -a commands\n  commands=(\n";
    for (const CLI::App* sub : subs)
      out << "    " << zsh_quoted(sub->get_name() + ":" + sub->get_description()) << "\n";
    out << "  )\n  if (( CURRENT == 2 )); then _describe command commands; return; fi\n"
           "  shift words; (( CURRENT-- ))\n  case $words[1] in\n";
    for (const CLI::App* sub : subs)
      out << "    " << sub->get_name() << ") " << zsh_function(c.path + " " + sub->get_name()) << " ;;\n";
    out << "  esac\n}\n";
    return;
  }
  out << "  _arguments -s";
  for (const auto& o : options_of(*c.app, false)) {
    for (const auto& name : o.names) {
      std::string spec = name + "[" + zsh_description(o.description) + "]";
      if (o.takes_value) {
        spec += ":" + zsh_description(o.type.empty() ? "VALUE" : o.type) + ":";
        if (!o.choices.empty()) spec += "(" + shell_words(o.choices) + ")";
        else if (o.file_value) spec += "_files";
        else spec += " ";
      }
      out << " \\\n    " << zsh_quoted(spec);
    }
  }
  for (const auto& p : options_of(*c.app, true))
    out << " \\\n    " << zsh_quoted(std::string(p.names.front() == "seeds" ? "*" : "") + ":" +
                                 zsh_description(p.type) + ":" + (p.file_value ? "_files" : " "));
  out << "\n}\n";
}

void write_zsh(const CLI::App& app, std::ostream& out) {
  out << "#compdef forager\n"
         "# zsh completion for forager. Generated by `forager __generate zsh` from the command-line\n"
         "# definition; do not edit.\n";
  for (const auto& c : all_commands(app)) write_zsh_command(c, out);
  out << "_forager() {\n  local -a commands\n  commands=(\n";
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    out << "    " << zsh_quoted(sub->get_name() + ":" + sub->get_description()) << "\n";
  out << "  )\n  if (( CURRENT == 2 )); then\n"
         "    _describe command commands; _arguments '--help[print help]' '--version[print the version]'; return\n"
         "  fi\n  shift words; (( CURRENT-- ))\n  case $words[1] in\n";
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    out << "    " << sub->get_name() << ") " << zsh_function(sub->get_name()) << " ;;\n";
  out << "  esac\n}\n_forager \"$@\"\n";
}

}  // namespace

bool write_help_document(const CLI::App& app, std::string_view kind, std::ostream& out) {
  if (kind == "man") write_man(app, out);
  else if (kind == "bash") write_bash(app, out);
  else if (kind == "zsh") write_zsh(app, out);
  else return false;
  return true;
}

}  // namespace forager
