// The Store contract: what every backend (SQLite, PostgreSQL) must do the
// same way, written once as a typed test suite. A backend's test file
// instantiates it with a fixture class that derives from ::testing::Test and
// gives
//   std::unique_ptr<Store> open();        // a store on the test's own database
//   static constexpr int64_t kRecordChunk; // records per page of its large reads
// Backend-specific behaviour (schema versions, migrations, locks, raw SQL
// checks) stays in the backend's own test file.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "storage/store.h"

namespace forager::storage::store_contract {

inline FrontierEntry entry(int64_t seq, const std::string& url, int depth = 0, const std::string& referrer = "") {
  FrontierEntry e;
  e.seq = seq;
  e.url = url;
  e.depth = depth;
  e.referrer = referrer;
  return e;
}

inline Batch::Completion completion(int64_t seq, const std::string& url, const std::string& error = "",
                                    std::vector<std::string> links = {}) {
  Batch::Completion c;
  c.seq = seq;
  c.page.url = url;
  c.page.final_url = url;
  if (error.empty()) c.page.status = 200;
  c.page.error = error;
  c.page.fetched_at_ms = 1'700'000'000'000 + seq;
  c.page.content_type = "text/html";
  c.page.bytes = 100 + seq;
  c.page.content_hash = "hash" + std::to_string(seq);
  c.page.title = "title " + std::to_string(seq);
  c.page.links = std::move(links);
  c.page.fields_json = R"({"k":1})";
  return c;
}

inline std::string url(int64_t seq) { return "https://example.com/p/" + std::to_string(seq); }

// Discovers and completes seqs [first, last] in one batch.
inline Batch discover_and_complete(int64_t run, int64_t first, int64_t last) {
  Batch b;
  b.run = run;
  for (int64_t s = first; s <= last; ++s) {
    b.discovered.push_back(entry(s, url(s), 1, url(0)));
    b.completed.push_back(completion(s, url(s), "", {url(s + 1), url(s + 2)}));
  }
  return b;
}

inline std::vector<ExportRecord> records(Store& store, const ExportQuery& q) {
  std::vector<ExportRecord> out;
  store.for_each_record(q, [&](const ExportRecord& r) { out.push_back(r); });
  return out;
}

inline std::vector<int64_t> seqs(const std::vector<FrontierEntry>& entries) {
  std::vector<int64_t> out;
  for (const auto& e : entries) out.push_back(e.seq);
  return out;
}

template <typename Backend>
class StoreContractTest : public Backend {};

TYPED_TEST_SUITE_P(StoreContractTest);

TYPED_TEST_P(StoreContractTest, OpenRunStartsNewRunAfterDoneAndResumesOtherwise) {
  auto store = this->open();
  RunInfo first = store->open_run("j", R"({"a":1})");
  EXPECT_FALSE(first.resumed);
  EXPECT_EQ(first.job, "j");
  Batch b;
  b.run = first.id;
  b.discovered = {entry(1, url(1)), entry(2, url(2)), entry(3, url(3))};
  b.leased = {1, 2};
  store->commit(b);
  store->finish_run(first.id, RunState::kInterrupted);

  RunInfo resumed = store->open_run("j", R"({"a":2})");
  EXPECT_TRUE(resumed.resumed);
  EXPECT_EQ(resumed.id, first.id);
  EXPECT_EQ(resumed.options_json, R"({"a":1})");
  std::vector<FrontierEntry> entries;
  store->for_each_frontier_entry(resumed.id, [&](const FrontierEntry& e) { entries.push_back(e); });
  ASSERT_EQ(entries.size(), 3u);
  for (const auto& e : entries) EXPECT_EQ(e.state, UrlState::kQueued) << e.seq;
  EXPECT_EQ(store->max_seq(resumed.id), 3);
  auto runs = store->list_runs("j");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state, "running");
  EXPECT_EQ(runs[0].finished_at_ms, 0);

  store->finish_run(first.id, RunState::kDone);
  RunInfo second = store->open_run("j", R"({"a":3})");
  EXPECT_FALSE(second.resumed);
  EXPECT_GT(second.id, first.id);
  EXPECT_EQ(second.options_json, R"({"a":3})");
  EXPECT_EQ(store->max_seq(second.id), 0);
  EXPECT_EQ(store->previous_run("j", second.id), first.id);
  EXPECT_EQ(store->previous_run("j", first.id), 0);
  EXPECT_THROW(store->finish_run(9999, RunState::kDone), StoreError);

  RunInfo other = store->open_run("k", "{}");
  EXPECT_FALSE(other.resumed);
  EXPECT_GT(other.id, second.id);
}

TYPED_TEST_P(StoreContractTest, CommitWithoutRunThrows) {
  auto store = this->open();
  Batch b;
  b.discovered = {entry(1, url(1))};
  EXPECT_THROW(store->commit(b), StoreError);
}

TYPED_TEST_P(StoreContractTest, FrontierLifecycle) {
  auto store = this->open();
  RunInfo run = store->open_run("j", "{}");
  Batch b;
  b.run = run.id;
  b.discovered = {entry(1, url(1)), entry(2, url(2), 1, url(1)), entry(3, url(3)),
                  entry(4, url(1))};  // duplicate URL: ignored
  b.leased = {1, 2, 3};
  FrontierEntry retry = entry(3, url(3));
  retry.attempts = 1;
  retry.crashes = 2;
  b.requeued = {entry(3, url(3)), retry};  // requeued twice: the last counts
  b.completed = {completion(1, url(1)), completion(2, url(2), "timeout")};
  store->commit(b);

  std::vector<FrontierEntry> entries;
  store->for_each_frontier_entry(run.id, [&](const FrontierEntry& e) { entries.push_back(e); });
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].state, UrlState::kDone);
  EXPECT_EQ(entries[0].referrer, "");
  EXPECT_EQ(entries[1].state, UrlState::kFailed);
  EXPECT_EQ(entries[1].referrer, url(1));
  EXPECT_EQ(entries[1].depth, 1);
  EXPECT_EQ(entries[2].state, UrlState::kQueued);
  EXPECT_EQ(entries[2].attempts, 1);
  EXPECT_EQ(entries[2].crashes, 2);
  EXPECT_EQ(store->max_seq(run.id), 3);
}

TYPED_TEST_P(StoreContractTest, QueuedEntriesOfOneOriginInSeqOrder) {
  auto store = this->open();
  RunInfo run = store->open_run("j", "{}");
  Batch b;
  b.run = run.id;
  for (int64_t seq = 1; seq <= 10; ++seq) {
    FrontierEntry e = entry(seq, url(seq) + (seq % 2 ? "a" : "b"));
    e.origin = seq % 2 ? "https://a.example" : "https://b.example";
    b.discovered.push_back(e);
  }
  b.leased = {3};  // leased: not queued any more
  store->commit(b);

  EXPECT_EQ(seqs(store->queued_entries(run.id, "https://a.example", 0, 100)), (std::vector<int64_t>{1, 5, 7, 9}));
  EXPECT_EQ(seqs(store->queued_entries(run.id, "https://a.example", 5, 1)), (std::vector<int64_t>{7}));
  EXPECT_EQ(seqs(store->queued_entries(run.id, "https://b.example", 4, 100)), (std::vector<int64_t>{6, 8, 10}));
  EXPECT_TRUE(store->queued_entries(run.id, "https://c.example", 0, 100).empty());
  const auto first = store->queued_entries(run.id, "https://b.example", 0, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].url, url(2) + "b");
  EXPECT_EQ(first[0].origin, "https://b.example");
}

// A completion committed again (a retried batch, a record replaced in one
// batch) leaves one record, the last one.
TYPED_TEST_P(StoreContractTest, CompletionCommittedTwiceGivesOneRecord) {
  auto store = this->open();
  RunInfo run = store->open_run("j", "{}");
  Batch b;
  b.run = run.id;
  b.discovered = {entry(1, url(1))};
  b.completed = {completion(1, url(1), "", {"a", "b", "c"})};
  store->commit(b);
  Batch again;
  again.run = run.id;
  again.completed = {completion(1, url(1), "", {"x"}), completion(1, url(1), "", {"x", "y"})};
  again.completed[1].page.title = "second";
  store->commit(again);

  auto recs = records(*store, {});
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].page.title, "second");
  EXPECT_EQ(recs[0].page.links, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(recs[0].run, run.id);
}

TYPED_TEST_P(StoreContractTest, FetchedCountExcludesRecordsWithoutFetch) {
  auto store = this->open();
  RunInfo run = store->open_run("j", "{}");
  Batch b;
  b.run = run.id;
  const std::vector<std::string> errors = {"", "timeout", "robots", "out_of_scope", "dns", "worker_crash", "too_large"};
  for (size_t i = 0; i < errors.size(); ++i) {
    const auto seq = static_cast<int64_t>(i + 1);
    b.discovered.push_back(entry(seq, url(seq)));
    b.completed.push_back(completion(seq, url(seq), errors[i]));
  }
  store->commit(b);
  EXPECT_EQ(store->fetched_count(run.id), 4);  // "", timeout, dns, too_large
}

TYPED_TEST_P(StoreContractTest, ExportQueries) {
  auto store = this->open();
  // Job a: run a1 (done), run a2 (latest). Job b: run b1.
  RunInfo a1 = store->open_run("a", "{}");
  store->commit(discover_and_complete(a1.id, 1, 3));
  store->finish_run(a1.id, RunState::kDone);
  RunInfo a2 = store->open_run("a", "{}");
  Batch b2 = discover_and_complete(a2.id, 1, 4);
  b2.completed[1].page.changed = true;
  b2.completed[2].page.changed = false;
  store->commit(b2);
  RunInfo b1 = store->open_run("b", "{}");
  store->commit(discover_and_complete(b1.id, 1, 2));

  auto ids = [](const std::vector<ExportRecord>& recs) {
    std::vector<std::pair<int64_t, std::string>> out;
    for (const auto& r : recs) out.emplace_back(r.run, r.page.url);
    return out;
  };
  ExportQuery q;  // latest of every job
  auto latest = records(*store, q);
  ASSERT_EQ(latest.size(), 6u);
  EXPECT_EQ(latest[0].run, a2.id);
  EXPECT_EQ(latest[4].run, b1.id);
  EXPECT_EQ(latest[4].job, "b");
  EXPECT_EQ(latest[0].page.url, url(1));
  EXPECT_EQ(latest[3].page.url, url(4));

  q.job = "a";
  EXPECT_EQ(records(*store, q).size(), 4u);
  q.runs = ExportQuery::Runs::kAll;
  auto all_a = records(*store, q);
  ASSERT_EQ(all_a.size(), 7u);
  EXPECT_EQ(all_a[0].run, a1.id);
  EXPECT_EQ(all_a[3].run, a2.id);
  q.job.reset();
  EXPECT_EQ(records(*store, q).size(), 9u);

  q.runs = ExportQuery::Runs::kOne;
  q.run_id = a1.id;
  EXPECT_EQ(ids(records(*store, q)),
            (std::vector<std::pair<int64_t, std::string>>{{a1.id, url(1)}, {a1.id, url(2)}, {a1.id, url(3)}}));
  q.job = "b";  // run a1 is not of job b
  EXPECT_TRUE(records(*store, q).empty());

  ExportQuery changed;
  changed.changed_only = true;
  auto ch = records(*store, changed);
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].page.url, url(2));
  EXPECT_EQ(ch[0].run, a2.id);
}

// A page of one run's records: after a seq, at most `limit`, each with
// its seq (forager extract reads a run this way). The page spans more than
// one of the backend's read chunks.
TYPED_TEST_P(StoreContractTest, ExportPagesOfOneRunAfterASeq) {
  auto store = this->open();
  RunInfo first = store->open_run("j", "{}");
  store->commit(discover_and_complete(first.id, 1, 5));
  store->finish_run(first.id, RunState::kDone);
  RunInfo second = store->open_run("j", "{}");
  const int64_t n = std::max<int64_t>(12, TypeParam::kRecordChunk + 5);
  Batch b = discover_and_complete(second.id, 1, n + 3);
  b.completed.erase(b.completed.begin() + 1);  // seq 2 has no record
  store->commit(b);
  ExportQuery page;
  page.runs = ExportQuery::Runs::kOne;
  page.run_id = second.id;
  page.after_seq = 1;
  page.limit = n;
  auto got = records(*store, page);
  ASSERT_EQ(got.size(), static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_EQ(got[i].seq, i + 3);
    EXPECT_EQ(got[i].page.url, url(i + 3));
    EXPECT_EQ(got[i].run, second.id);
  }
  page.after_seq = got.back().seq;
  auto rest = records(*store, page);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].seq, n + 3);
  page.after_seq = n + 3;
  EXPECT_TRUE(records(*store, page).empty());
  page.after_seq = 0;
  page.limit = 0;  // no limit
  EXPECT_EQ(records(*store, page).size(), static_cast<size_t>(n + 2));
}

TYPED_TEST_P(StoreContractTest, ListRunsCounts) {
  auto store = this->open();
  RunInfo a1 = store->open_run("a", "{}");
  Batch b;
  b.run = a1.id;
  for (int64_t s = 1; s <= 6; ++s) b.discovered.push_back(entry(s, url(s)));
  b.leased = {1, 2, 3, 4};
  b.completed = {completion(1, url(1)), completion(2, url(2), "dns")};
  store->commit(b);
  store->finish_run(a1.id, RunState::kDone);
  RunInfo b1 = store->open_run("b", "{}");

  auto runs = store->list_runs(std::nullopt);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, b1.id);
  EXPECT_EQ(runs[0].pages, 0);
  EXPECT_EQ(runs[0].state, "running");
  const RunSummary& r = runs[1];
  EXPECT_EQ(r.id, a1.id);
  EXPECT_EQ(r.job, "a");
  EXPECT_EQ(r.state, "done");
  EXPECT_GT(r.started_at_ms, 0);
  EXPECT_GE(r.finished_at_ms, r.started_at_ms);
  EXPECT_EQ(r.pages, 2);
  EXPECT_EQ(r.errors, 1);
  EXPECT_EQ(r.queued, 2);
  EXPECT_EQ(r.leased, 2);
  EXPECT_EQ(r.done, 1);
  EXPECT_EQ(r.failed, 1);
  EXPECT_EQ(store->list_runs("a").size(), 1u);
  EXPECT_TRUE(store->list_runs("none").empty());
}

// A re-crawl compares with the newest earlier record that has content: an
// error or a 5xx of a later run does not hide it.
TYPED_TEST_P(StoreContractTest, PreviousRecordIsTheNewestWithContent) {
  auto store = this->open();
  RunInfo r1 = store->open_run("j", "{}");
  Batch b1 = discover_and_complete(r1.id, 1, 2);
  b1.completed[0].page.etag = "\"v1\"";
  store->commit(b1);
  store->finish_run(r1.id, RunState::kDone);
  RunInfo r2 = store->open_run("j", "{}");
  Batch b2;
  b2.run = r2.id;
  b2.discovered = {entry(1, url(1)), entry(2, url(2))};
  b2.completed = {completion(1, url(1), "timeout"), completion(2, url(2))};
  b2.completed[1].page.status = 500;
  store->commit(b2);
  store->finish_run(r2.id, RunState::kDone);
  RunInfo r3 = store->open_run("j", "{}");

  auto prev = store->previous_record("j", r3.id, url(1));  // r2's is an error: r1's counts
  ASSERT_TRUE(prev);
  EXPECT_EQ(prev->etag, "\"v1\"");
  EXPECT_EQ(prev->links, (std::vector<std::string>{url(2), url(3)}));
  EXPECT_TRUE(store->previous_record("j", r3.id, url(2)));  // r1's 200, not r2's 500
  EXPECT_FALSE(store->previous_record("j", r1.id, url(1)));
  EXPECT_FALSE(store->previous_record("other", r3.id, url(1)));
}

TYPED_TEST_P(StoreContractTest, WorkerEventsInTimeOrder) {
  auto store = this->open();
  RunInfo run = store->open_run("j", "{}");
  Batch b;
  b.run = run.id;
  b.worker_events = {{20, 1, 101, "stop"}, {10, 0, 100, "start"}, {10, 1, 101, "start"}};
  store->commit(b);
  auto events = store->worker_events(run.id);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].pid, 100);
  EXPECT_EQ(events[1].pid, 101);
  EXPECT_EQ(events[2].event, "stop");
}

REGISTER_TYPED_TEST_SUITE_P(StoreContractTest, OpenRunStartsNewRunAfterDoneAndResumesOtherwise,
                            CommitWithoutRunThrows, FrontierLifecycle, QueuedEntriesOfOneOriginInSeqOrder,
                            CompletionCommittedTwiceGivesOneRecord, FetchedCountExcludesRecordsWithoutFetch,
                            ExportQueries, ExportPagesOfOneRunAfterASeq, ListRunsCounts,
                            PreviousRecordIsTheNewestWithContent, WorkerEventsInTimeOrder);

}  // namespace forager::storage::store_contract
