// The report page: one self-contained HTML file (inline CSS, inline SVG
// charts drawn here; no script, no external resource) describing one run.
//
// Every text that comes from the crawl (URLs, titles, hosts, error names,
// job names) is HTML-escaped and made valid UTF-8 before it is written; the
// page also carries a Content-Security-Policy that forbids scripts, so a
// hostile title could not run even if escaping were missed.
//
// The charts are <svg> elements with these ids (docs/REPORT.md says what
// each shows): chart-pages, chart-workers, chart-codes, chart-latency,
// chart-depth, chart-recrawl.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "storage/report_queries.h"
#include "storage/store.h"

namespace forager::report {

inline constexpr const char* kChartIds[] = {"chart-pages", "chart-depth",   "chart-workers",
                                            "chart-codes", "chart-latency", "chart-recrawl"};

struct ReportModel {
  storage::RunSummary run;                    // the run the report is about
  storage::RunAggregates data;                // its aggregates
  std::vector<storage::WorkerEvent> events;   // its worker events, in time order
  std::vector<storage::RunSummary> job_runs;  // runs of its job, oldest first (the last few)
  std::vector<storage::MemberStats> members;  // a shared run's members (none: no Members section)
  int64_t generated_at_ms = 0;
};

// Writes the whole page to `out`. Never throws on the content of the model;
// stream errors are left to the caller to check.
void write_report_html(const ReportModel& model, std::ostream& out);

// `text` as HTML text or attribute value: & < > " ' escaped, invalid UTF-8
// replaced by U+FFFD.
std::string html_escape(std::string_view text);

}  // namespace forager::report
