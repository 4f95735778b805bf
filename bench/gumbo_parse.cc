// The gumbo-only parse ceiling: what W processes doing nothing but reading the
// pages from disk, parsing them with gumbo-parser and extracting the title and
// every <a>/<area> href can reach. No network, no queues, no store.
//
//   g++ -O2 -std=c++17 -o gumbo_parse gumbo_parse.cc -lgumbo
//   gumbo_parse LIST_FILE SITE_DIR PROCESSES [REPEAT]
//
// LIST_FILE holds one page path (relative to SITE_DIR) per line. Process k of W
// parses pages k, k+W, k+2W, ... (REPEAT times over, default 1). Prints one
// line: "gumbo: N pages, W processes, S s wall, R pages/s, L links, T titles".
#include <gumbo.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Counts {
  long pages = 0, links = 0, titles = 0, bytes = 0;
};

void walk(const GumboNode* node, Counts& c, std::string& title) {
  if (node->type != GUMBO_NODE_ELEMENT) return;
  const GumboElement& el = node->v.element;
  if (el.tag == GUMBO_TAG_A || el.tag == GUMBO_TAG_AREA) {
    if (const GumboAttribute* href = gumbo_get_attribute(&el.attributes, "href")) {
      c.links++;
      c.bytes += static_cast<long>(std::strlen(href->value));
    }
  } else if (el.tag == GUMBO_TAG_TITLE && title.empty() && el.children.length > 0) {
    const GumboNode* text = static_cast<const GumboNode*>(el.children.data[0]);
    if (text->type == GUMBO_NODE_TEXT) title = text->v.text.text;
  }
  for (unsigned i = 0; i < el.children.length; ++i) walk(static_cast<const GumboNode*>(el.children.data[i]), c, title);
}

Counts parse_share(const std::vector<std::string>& paths, const std::string& dir, int k, int w, int repeat) {
  Counts c;
  std::string body;
  for (int r = 0; r < repeat; ++r) {
    for (size_t i = static_cast<size_t>(k); i < paths.size(); i += static_cast<size_t>(w)) {
      std::ifstream in(dir + "/" + paths[i], std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "gumbo_parse: cannot read %s\n", paths[i].c_str());
        std::exit(1);
      }
      std::ostringstream ss;
      ss << in.rdbuf();
      body = ss.str();
      GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, body.data(), body.size());
      std::string title;
      walk(out->root, c, title);
      if (!title.empty()) c.titles++;
      c.pages++;
      gumbo_destroy_output(&kGumboDefaultOptions, out);
    }
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s LIST_FILE SITE_DIR PROCESSES [REPEAT]\n", argv[0]);
    return 2;
  }
  std::vector<std::string> paths;
  {
    std::ifstream list(argv[1]);
    for (std::string line; std::getline(list, line);)
      if (!line.empty()) paths.push_back(line);
  }
  const std::string dir = argv[2];
  const int w = std::atoi(argv[3]);
  const int repeat = argc > 4 ? std::atoi(argv[4]) : 1;
  if (paths.empty() || w < 1 || w > 256 || repeat < 1) {
    std::fprintf(stderr, "gumbo_parse: empty list or bad PROCESSES/REPEAT\n");
    return 2;
  }

  int fds[2];
  if (pipe(fds) != 0) return 1;
  auto start = std::chrono::steady_clock::now();
  for (int k = 0; k < w; ++k) {
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      close(fds[0]);
      Counts c = parse_share(paths, dir, k, w, repeat);
      if (write(fds[1], &c, sizeof c) != static_cast<ssize_t>(sizeof c)) _exit(1);
      _exit(0);
    }
  }
  close(fds[1]);
  Counts total;
  for (int k = 0; k < w; ++k) {
    Counts c;
    if (read(fds[0], &c, sizeof c) != static_cast<ssize_t>(sizeof c)) return 1;
    total.pages += c.pages;
    total.links += c.links;
    total.titles += c.titles;
    total.bytes += c.bytes;
  }
  int failed = 0;
  for (int k = 0; k < w; ++k) {
    int status = 0;
    if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("gumbo: %ld pages, %d processes, %.3f s wall, %.1f pages/s, %ld links, %ld titles\n", total.pages, w,
              secs, total.pages / secs, total.links, total.titles);
  return failed ? 1 : 0;
}
