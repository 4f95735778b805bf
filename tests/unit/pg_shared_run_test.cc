// PgSharedRun (storage/shared_run.h) against a real PostgreSQL server: two
// members, each on its own connection, leasing hosts of one run.
#include "storage/postgres/pg_shared_run.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>
#include <variant>

#include "crawler/store_thread.h"
#include "storage/postgres/pg_store.h"
#include "tests/support/postgres_server.h"

namespace forager::storage {
namespace {

FrontierEntry seed(const std::string& url) {
  FrontierEntry e;
  e.url = url;
  e.origin = url.substr(0, url.find('/', 8));
  return e;
}

Batch::Completion done(const LeasedUrl& u) {
  Batch::Completion c;
  c.seq = u.entry.seq;
  c.page.url = u.entry.url;
  c.page.final_url = u.entry.url;
  c.page.status = 200;
  c.page.fetched_at_ms = 1'700'000'000'000;
  return c;
}

// Every URL of the lease done, nothing learnt.
LeaseOutcome all_done(const Lease& lease) {
  LeaseOutcome o;
  o.lease = lease.id;
  o.host = lease.host;
  for (const auto& u : lease.urls) o.completed.push_back(done(u));
  return o;
}

class PgSharedRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FORAGER_USE_TEST_DATABASE(db_);
    policy_.per_host = 2;
    policy_.delay_ms = 0;
    policy_.ignore_robots = true;
    policy_.lease_lifetime_ms = 60000;
  }
  // A member: its own store (connection), joined to the job's run.
  SharedRun& member(std::unique_ptr<PgStore>& store) {
    store = PgStore::open(db_->uri());
    SharedRun& run = *store->shared_run();
    run.join("j", "{}", policy_, [](const std::string&) { return std::nullopt; }, "test", 1);
    return run;
  }
  int64_t query_int(const std::string& sql) { return db_->connect().query(sql).int64(0, 0); }

  // Queues five URLs of one host and takes a's first lease of them: three
  // URLs, at --per-host 3 (set before the members join). Call it through
  // ASSERT_NO_FATAL_FAILURE.
  void lease_three_of_five_urls(SharedRun& a, std::optional<Lease>& first) {
    std::vector<FrontierEntry> urls;
    for (int i = 1; i <= 5; ++i) urls.push_back(seed("http://h.test/" + std::to_string(i)));
    a.add_seeds(urls);
    first = a.lease(policy_);
    ASSERT_TRUE(first);
    ASSERT_EQ(first->urls.size(), 3u);
  }

  const std::string in_flight = "SELECT in_flight FROM forager.hosts WHERE host = 'h.test'";

  std::unique_ptr<testing::TestDatabase> db_;
  SharedPolicy policy_;
  std::unique_ptr<PgStore> store_a_, store_b_;
};

// A member learns the URLs the others sent (KnownUrls), past a seq, in seq
// order, a bounded number at a time.
TEST_F(PgSharedRunTest, UrlsAfterGivesWhatAnyMemberSentInSeqOrder) {
  SharedRun& a = member(store_a_);
  SharedRun& b = member(store_b_);
  a.add_seeds({seed("http://h.test/1"), seed("http://h.test/2")});
  b.add_seeds({seed("http://g.test/3"), seed("http://h.test/1")});
  std::vector<FrontierEntry> first = b.urls_after(0, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].url, "http://h.test/1");
  EXPECT_EQ(first[1].url, "http://h.test/2");
  EXPECT_LT(first[0].seq, first[1].seq);
  std::vector<FrontierEntry> rest = b.urls_after(first[1].seq, 2);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].url, "http://g.test/3");
  EXPECT_TRUE(a.urls_after(rest[0].seq, 10).empty());
}

TEST_F(PgSharedRunTest, AHostsSlotsAreSharedAcrossMembers) {
  SharedRun& a = member(store_a_);
  SharedRun& b = member(store_b_);
  a.add_seeds({seed("http://h.test/1"), seed("http://h.test/2"), seed("http://h.test:81/3")});
  b.add_seeds({seed("http://h.test/1")});  // queued once
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.frontier"), 3);
  auto first = a.lease(policy_);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->host, "h.test");  // one host, whatever the port
  EXPECT_EQ(first->urls.size(), 2u);  // --per-host 2, no delay: both slots
  EXPECT_FALSE(b.lease(policy_));    // the host is full
  ASSERT_TRUE(a.finish(all_done(*first)));
  auto second = b.lease(policy_);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->urls.size(), 1u);
  ASSERT_TRUE(b.finish(all_done(*second)));
  EXPECT_TRUE(a.finished(policy_));
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.pages"), 3);
}

// A partial release: the slots of a lease's ended fetches are leased again
// (here to another member) while the lease is still held; a release applied
// twice, one that would leave the lease no slot, and one on a host that got
// a delay change nothing.
TEST_F(PgSharedRunTest, ReleasedSlotsOfEndedFetchesAreLeasedAgainBeforeTheLeaseFinishes) {
  policy_.per_host = 3;
  SharedRun& a = member(store_a_);
  SharedRun& b = member(store_b_);
  std::optional<Lease> first;
  ASSERT_NO_FATAL_FAILURE(lease_three_of_five_urls(a, first));
  EXPECT_FALSE(b.lease(policy_));  // the host is full
  a.release_slots(first->id, first->host, 3, 2);  // two fetches ended, one runs
  EXPECT_EQ(query_int(in_flight), 1);
  a.release_slots(first->id, first->host, 3, 2);  // the same release again: its answer was lost
  EXPECT_EQ(query_int(in_flight), 1);
  a.release_slots(first->id, first->host, 1, 1);  // the lease keeps a slot until its finish
  EXPECT_EQ(query_int(in_flight), 1);
  auto second = b.lease(policy_);  // before the first lease's last fetch ended
  ASSERT_TRUE(second);
  EXPECT_EQ(second->urls.size(), 2u);
  EXPECT_EQ(query_int(in_flight), 3);
  db_->connect().exec("UPDATE forager.hosts SET delay_ms = 500");  // a member learnt a delay
  b.release_slots(second->id, second->host, 2, 1);
  EXPECT_EQ(query_int(in_flight), 3);  // one fetch at a time now: finish gives them back
  ASSERT_TRUE(a.finish(all_done(*first)));
  EXPECT_EQ(query_int(in_flight), 2);  // the slot it kept
  ASSERT_TRUE(b.finish(all_done(*second)));
  EXPECT_EQ(query_int(in_flight), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.pages"), 5);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.leases"), 0);
  EXPECT_TRUE(a.finished(policy_));
}

// A release that rides with the next lease request (StoreThread) frees its
// slots before that lease's host pick, and counts even when nothing is granted.
TEST_F(PgSharedRunTest, ReleasesSentWithALeaseRequestAreAppliedBeforeItsPickAndWithoutAGrant) {
  policy_.per_host = 3;
  SharedRun& a = member(store_a_);
  std::optional<Lease> first;
  ASSERT_NO_FATAL_FAILURE(lease_three_of_five_urls(a, first));
  EXPECT_FALSE(a.lease(policy_));  // the host is full
  auto second = a.lease(policy_, 0, {{first->id, first->host, 3, 2}});  // two of its fetches ended
  ASSERT_TRUE(second);
  EXPECT_EQ(second->urls.size(), 2u);
  EXPECT_EQ(query_int(in_flight), 3);
  // Nothing left to lease: the release is applied all the same.
  EXPECT_FALSE(a.lease(policy_, 0, {{second->id, second->host, 2, 1}}));
  EXPECT_EQ(query_int(in_flight), 2);
  // Applied twice (its answer was lost): no change.
  EXPECT_FALSE(a.lease(policy_, 0, {{second->id, second->host, 2, 1}}));
  EXPECT_EQ(query_int(in_flight), 2);
  ASSERT_TRUE(a.finish(all_done(*first)));
  ASSERT_TRUE(a.finish(all_done(*second)));
  EXPECT_EQ(query_int(in_flight), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.pages"), 5);
}

// The store thread: a slot release posted before a lease request is done by
// the time the lease is (with its transaction, or just before it), and its
// completion comes first.
TEST_F(PgSharedRunTest, TheStoreThreadDoesAReleaseBeforeTheLeaseRequestBehindIt) {
  policy_.per_host = 3;
  SharedRun& a = member(store_a_);
  std::optional<Lease> first;
  ASSERT_NO_FATAL_FAILURE(lease_three_of_five_urls(a, first));
  std::vector<StoreThread::Completion> done;
  {
    StoreThread thread(a, *store_a_, policy_);
    thread.post(StoreThread::Release{first->id, first->host, 3, 2});
    thread.post(StoreThread::LeaseWanted{0, false});
    thread.close();
    done = thread.take();
  }
  ASSERT_EQ(done.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<StoreThread::Released>(done[0]));
  const auto* leased = std::get_if<StoreThread::Leased>(&done[1]);
  ASSERT_TRUE(leased != nullptr && leased->lease);
  EXPECT_EQ(leased->lease->urls.size(), 2u);  // the two slots given back
  EXPECT_EQ(query_int(in_flight), 3);
}

// A finish and the next lease request in one transaction: the finish's
// release comes before the pick (the host was full), and its learning read
// sees every URL of the run.
TEST_F(PgSharedRunTest, AFinishAndTheNextLeaseGoInOneTransaction) {
  policy_.per_host = 3;
  SharedRun& a = member(store_a_);
  std::optional<Lease> first;
  ASSERT_NO_FATAL_FAILURE(lease_three_of_five_urls(a, first));
  const auto done = a.finish_then_lease(all_done(*first), 0, 100, policy_, 0, {});
  EXPECT_TRUE(done.applied);
  EXPECT_EQ(done.learned.size(), 5u);
  ASSERT_TRUE(done.lease);
  EXPECT_EQ(done.lease->urls.size(), 2u);
  EXPECT_EQ(query_int(in_flight), 2);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.pages"), 3);
  EXPECT_EQ(query_int("SELECT pages FROM forager.members"), 3);
}

// The fence refuses a finish of a lease that was taken back: none of it is
// written, and the lease asked for with it is granted all the same.
TEST_F(PgSharedRunTest, AFinishRefusedByTheFenceStillLeasesTheNext) {
  policy_.per_host = 3;
  SharedRun& a = member(store_a_);
  std::optional<Lease> first;
  ASSERT_NO_FATAL_FAILURE(lease_three_of_five_urls(a, first));
  // Taken back, as a reap does: the lease gone, its URLs queued, its slots free.
  auto admin = db_->connect();
  admin.exec("DELETE FROM forager.leases");
  admin.exec("UPDATE forager.frontier SET state = 0, lease_id = NULL WHERE state = 1");
  admin.exec("UPDATE forager.hosts SET in_flight = 0");
  const auto done = a.finish_then_lease(all_done(*first), 0, 0, policy_, 0, {});
  EXPECT_FALSE(done.applied);
  ASSERT_TRUE(done.lease);
  EXPECT_EQ(done.lease->urls.size(), 3u);
  EXPECT_EQ(done.lease->urls.front().entry.seq, first->urls.front().entry.seq);  // queued again, leased again
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.pages"), 0);
  EXPECT_EQ(query_int("SELECT pages FROM forager.members"), 0);
  EXPECT_EQ(query_int(in_flight), 3);
}

// The store thread: a lease request queued behind a finish (slot releases
// between them aside) rides in the finish's transaction; the completions
// come in request order.
TEST_F(PgSharedRunTest, TheStoreThreadAsksForTheLeaseBehindAFinishWithIt) {
  policy_.per_host = 4;
  SharedRun& a = member(store_a_);
  std::vector<FrontierEntry> urls;
  for (int i = 1; i <= 6; ++i) urls.push_back(seed("http://h.test/" + std::to_string(i)));
  a.add_seeds(urls);
  auto first = a.lease(policy_, 2);
  auto second = a.lease(policy_, 2);
  ASSERT_TRUE(first && second);
  ASSERT_EQ(query_int(in_flight), 4);
  std::vector<StoreThread::Completion> done;
  {
    StoreThread thread(a, *store_a_, policy_);
    thread.post(StoreThread::Finish{all_done(*first), 100});
    thread.post(StoreThread::Release{second->id, second->host, 2, 1});
    thread.post(StoreThread::LeaseWanted{0, false});
    thread.close();
    done = thread.take();
  }
  ASSERT_EQ(done.size(), 3u);
  const auto* finished = std::get_if<StoreThread::Finished>(&done[0]);
  ASSERT_TRUE(finished != nullptr);
  EXPECT_TRUE(finished->applied);
  EXPECT_EQ(finished->learned.size(), 6u);
  EXPECT_TRUE(std::holds_alternative<StoreThread::Released>(done[1]));
  const auto* leased = std::get_if<StoreThread::Leased>(&done[2]);
  ASSERT_TRUE(leased != nullptr && leased->lease);
  EXPECT_EQ(leased->lease->urls.size(), 2u);  // the last two URLs
  EXPECT_EQ(query_int(in_flight), 3);         // the second lease's one slot and the new lease's two
}

// The plain host pick (host lease on, no budget) is prepared, and its plan
// checked: on a run of 30,000 URLs on 300 hosts, after ANALYZE, PostgreSQL
// reads the frontier by host and the member keeps the prepared pick.
TEST_F(PgSharedRunTest, ThePlainPickIsPreparedWhileItsPlanReadsTheFrontierByHost) {
  SharedRun& a = member(store_a_);
  a.add_seeds({seed("http://h.test/1")});
  const std::string run = std::to_string(query_int("SELECT id FROM forager.runs"));
  auto admin = db_->connect();
  admin.exec("INSERT INTO forager.hosts(run_id, host, delay_ms) SELECT " + run +
             ", 'h' || g || '.test', 0 FROM generate_series(1, 300) g");
  admin.exec("INSERT INTO forager.frontier(run_id, seq, url, depth, state, origin, host) SELECT " + run +
             ", nextval('forager.frontier_seq'), 'http://h' || g % 300 + 1 || '.test/' || g, 1, 0, "
             "'http://h' || g % 300 + 1 || '.test', 'h' || g % 300 + 1 || '.test' FROM generate_series(1, 30000) g");
  admin.exec("ANALYZE forager.frontier");
  admin.exec("ANALYZE forager.hosts");
  for (int i = 0; i < PgSharedRun::kPlanChecksFirst + 2; ++i) {
    auto lease = a.lease(policy_);
    ASSERT_TRUE(lease);
    ASSERT_TRUE(a.finish(all_done(*lease)));
  }
  EXPECT_TRUE(dynamic_cast<PgSharedRun&>(a).plain_pick());
}

// A plan of the plain pick that reads the frontier other than by
// frontier_by_host (here: the index is gone) is seen at once, and the member
// goes on with the general pick, planned at each lease.
TEST_F(PgSharedRunTest, APlainPickPlanThatScansTheRunIsDropped) {
  SharedRun& a = member(store_a_);
  std::vector<FrontierEntry> urls;
  for (int i = 1; i <= 6; ++i) urls.push_back(seed("http://h.test/" + std::to_string(i)));
  a.add_seeds(urls);
  db_->connect().exec("DROP INDEX forager.frontier_by_host");
  auto first = a.lease(policy_);
  ASSERT_TRUE(first);
  EXPECT_FALSE(dynamic_cast<PgSharedRun&>(a).plain_pick());
  size_t leased = first->urls.size();
  ASSERT_TRUE(a.finish(all_done(*first)));
  while (auto next = a.lease(policy_)) {
    leased += next->urls.size();
    ASSERT_TRUE(a.finish(all_done(*next)));
    ASSERT_LE(leased, urls.size());
  }
  EXPECT_EQ(leased, urls.size());
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.pages"), 6);
}

// The fence is checked last in a finish's one round trip: a finish of a lease
// that was taken back leaves no trace of its records, links or counts.
TEST_F(PgSharedRunTest, AFinishOfALeaseTakenBackWritesNothing) {
  SharedRun& a = member(store_a_);
  a.add_seeds({seed("http://h.test/1")});
  auto lease = a.lease(policy_);
  ASSERT_TRUE(lease);
  db_->connect().exec("DELETE FROM forager.leases");  // taken back (as a reap does)
  LeaseOutcome outcome = all_done(*lease);
  FrontierEntry link;
  link.url = "http://h.test/2";
  link.origin = "http://h.test";
  outcome.discovered.push_back(link);
  EXPECT_FALSE(a.finish(outcome));
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.pages"), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.frontier"), 1);
  EXPECT_EQ(query_int("SELECT pages FROM forager.members"), 0);
  EXPECT_EQ(query_int("SELECT in_flight FROM forager.hosts"), 1);  // a reap gives the slot back, not the refused finish
}

TEST_F(PgSharedRunTest, WithADelayOneRequestAtATimeAndTheDelayAfterTheRelease) {
  policy_.delay_ms = 400;
  SharedRun& a = member(store_a_);
  SharedRun& b = member(store_b_);
  a.add_seeds({seed("http://h.test/1"), seed("http://h.test/2")});
  auto first = a.lease(policy_);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->urls.size(), 1u);
  EXPECT_FALSE(b.lease(policy_));  // in flight
  ASSERT_TRUE(a.finish(all_done(*first)));
  const auto released = std::chrono::steady_clock::now();
  EXPECT_FALSE(b.lease(policy_));  // the delay runs from the release (server clock)
  std::optional<Lease> second;
  while (!second && std::chrono::steady_clock::now() - released < std::chrono::seconds(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    second = b.lease(policy_);
  }
  ASSERT_TRUE(second);
  EXPECT_EQ(second->urls.size(), 1u);
}

TEST_F(PgSharedRunTest, ADeadMembersLeaseIsTakenBackAndItsResultsRefused) {
  SharedRun& a = member(store_a_);
  SharedRun& b = member(store_b_);
  a.add_seeds({seed("http://h.test/1")});
  auto lease = a.lease(policy_);
  ASSERT_TRUE(lease);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(b.reap(10), 1);  // a has been silent for more than 10 ms; b never declares itself dead
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.frontier WHERE state = 0 AND lease_id IS NULL"), 1);
  EXPECT_FALSE(a.finish(all_done(*lease)));  // the fence
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.pages"), 0);
  EXPECT_FALSE(a.heartbeat());
  EXPECT_FALSE(a.lease(policy_));  // no grant to a member declared dead
  ASSERT_TRUE(a.rejoin());
  auto again = a.lease(policy_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->urls.size(), 1u);
  EXPECT_TRUE(a.finish(all_done(*again)));
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.pages"), 1);
}

// Schema 6: a URL leaves the queue indexes with its lease and its end is a
// HOT update (no index names `state`): an ended URL keeps its lease's id, a
// requeued one has none and is leased again, every statement that queues a
// URL clears it.
TEST_F(PgSharedRunTest, AnEndedUrlKeepsItsLeaseAndARequeuedOneIsQueuedAgain) {
  SharedRun& a = member(store_a_);
  a.add_seeds({seed("http://h.test/1"), seed("http://h.test/2"), seed("http://h.test/3")});
  auto lease = a.lease(policy_);
  ASSERT_TRUE(lease);
  ASSERT_EQ(lease->urls.size(), 2u);
  LeaseOutcome outcome;
  outcome.lease = lease->id;
  outcome.host = lease->host;
  outcome.completed.push_back(done(lease->urls[0]));
  outcome.requeued.push_back({lease->urls[1], 0});
  ASSERT_TRUE(a.finish(outcome));
  auto of = [&](const std::string& what, const std::string& url) {
    return query_int("SELECT " + what + " FROM forager.frontier WHERE url = '" + url + "'");
  };
  EXPECT_EQ(of("state", lease->urls[0].entry.url), 2);
  EXPECT_EQ(of("lease_id", lease->urls[0].entry.url), lease->id);
  EXPECT_EQ(of("state", lease->urls[1].entry.url), 0);
  EXPECT_EQ(of("(lease_id IS NULL)::integer", lease->urls[1].entry.url), 1);
  auto again = a.lease(policy_);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->urls.size(), 2u);  // the requeued URL and the third
  EXPECT_EQ(again->urls[0].entry.url, lease->urls[1].entry.url);
  LeaseOutcome rest = all_done(*again);
  rest.completed.pop_back();
  rest.fetched_without_record.push_back(again->urls[1].entry.seq);
  ASSERT_TRUE(a.finish(rest));
  EXPECT_EQ(of("lease_id", again->urls[1].entry.url), again->id);  // ended without a record: keeps it too
  EXPECT_TRUE(a.finished(policy_));
  EXPECT_EQ(query_int("SELECT count(*) FROM pg_catalog.pg_index WHERE indrelid = 'forager.frontier'::regclass "
                      "AND pg_catalog.pg_get_indexdef(indexrelid) ~ '\\mstate\\M'"),
            0);
}

TEST_F(PgSharedRunTest, MaxPagesHoldsForTheWholeRun) {
  policy_.max_pages = 3;
  SharedRun& a = member(store_a_);
  SharedRun& b = member(store_b_);
  a.add_seeds({seed("http://a.test/1"), seed("http://a.test/2"), seed("http://b.test/1"), seed("http://b.test/2")});
  size_t granted = 0;
  std::vector<std::pair<SharedRun*, Lease>> leases;
  for (SharedRun* m : {&a, &b, &a, &b})
    if (auto l = m->lease(policy_)) {
      granted += l->urls.size();
      leases.emplace_back(m, *l);
    }
  EXPECT_EQ(granted, 3u);
  EXPECT_EQ(query_int("SELECT fetched FROM forager.runs"), 3);
  EXPECT_FALSE(a.finished(policy_));  // leases out
  for (const auto& [m, l] : leases) EXPECT_TRUE(m->finish(all_done(l)));
  EXPECT_TRUE(a.finished(policy_));  // one URL left queued, but the budget is spent
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.frontier WHERE state = 0"), 1);
}

TEST_F(PgSharedRunTest, RobotsTxtIsFetchedOnceUnderItsOwnLease) {
  policy_.ignore_robots = false;
  SharedRun& a = member(store_a_);
  SharedRun& b = member(store_b_);
  a.add_seeds({seed("http://h.test/1"), seed("http://h.test/2")});
  auto robots = a.lease(policy_);
  ASSERT_TRUE(robots);
  EXPECT_EQ(robots->robots_origin, "http://h.test");
  EXPECT_TRUE(robots->urls.empty());
  EXPECT_FALSE(b.lease(policy_));  // the host waits for its robots.txt
  LeaseOutcome answer;
  answer.lease = robots->id;
  answer.host = robots->host;
  answer.robots = RobotsAnswer{"http://h.test", 200, "", "User-agent: *\nCrawl-delay: 1\n"};
  answer.host_delay_ms = 1000;
  ASSERT_TRUE(a.finish(answer));
  EXPECT_EQ(query_int("SELECT delay_ms FROM forager.hosts"), 1000);  // every member obeys it
  EXPECT_FALSE(b.lease(policy_));  // not before the delay
  EXPECT_EQ(query_int("UPDATE forager.hosts SET next_allowed = now() RETURNING 1"), 1);  // skip the wait
  auto pages = b.lease(policy_);
  ASSERT_TRUE(pages);
  ASSERT_EQ(pages->robots.size(), 1u);
  EXPECT_EQ(pages->robots[0].body, "User-agent: *\nCrawl-delay: 1\n");
  EXPECT_EQ(pages->urls.size(), 1u);  // a host with a delay: one at a time
  ASSERT_TRUE(b.finish(all_done(*pages)));
  EXPECT_EQ(query_int("UPDATE forager.hosts SET next_allowed = now() RETURNING 1"), 1);
  auto again = b.lease(policy_);  // the member keeps the answer: the lease carries it all the same
  ASSERT_TRUE(again);
  ASSERT_EQ(again->robots.size(), 1u);
  EXPECT_EQ(again->robots[0].body, "User-agent: *\nCrawl-delay: 1\n");
  EXPECT_EQ(again->urls.size(), 1u);
}

TEST_F(PgSharedRunTest, AJoinerThatIsRefusedWritesNothing) {
  member(store_a_);
  store_b_ = PgStore::open(db_->uri());
  EXPECT_THROW(store_b_->shared_run()->join("j", "{}", policy_,
                                            [](const std::string&) { return std::string("--delay differs"); },
                                            "test", 2),
               PolicyError);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.members"), 1);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.runs"), 1);
}

// A run an older forager crawled on its own (not shared) and left
// unfinished is resumed by the next join: its waiting URLs get their hosts,
// the run keeps its fetch count for --max-pages, and leases hand them out.
TEST_F(PgSharedRunTest, AnUnfinishedRunOfAnOlderForagerIsResumedAsAShared) {
  auto own = PgStore::open(db_->uri());
  const RunInfo before = own->open_run("j", "{}");
  Batch batch;
  batch.run = before.id;
  for (int i = 1; i <= 3; ++i) {
    FrontierEntry e = seed(i == 3 ? "http://other.test/3" : "http://h.test/" + std::to_string(i));
    e.seq = i;
    batch.discovered.push_back(e);
  }
  batch.leased = {1, 2};
  LeasedUrl first;
  first.entry = batch.discovered[0];
  batch.completed.push_back(done(first));
  own->commit(batch);
  own->finish_run(before.id, RunState::kInterrupted);

  store_a_ = PgStore::open(db_->uri());
  const RunInfo after = store_a_->shared_run()->join(
      "j", "{}", policy_, [](const std::string&) { return std::nullopt; }, "test", 1);
  EXPECT_EQ(after.id, before.id);
  EXPECT_TRUE(after.resumed);
  EXPECT_EQ(after.other_members, 0);
  EXPECT_EQ(query_int("SELECT fetched FROM forager.runs"), 1);
  std::set<std::string> leased;
  while (auto lease = store_a_->shared_run()->lease(policy_)) {
    for (const auto& u : lease->urls) leased.insert(u.entry.url);
    ASSERT_TRUE(store_a_->shared_run()->finish(all_done(*lease)));
  }
  EXPECT_EQ(leased, (std::set<std::string>{"http://h.test/2", "http://other.test/3"}));
  EXPECT_TRUE(store_a_->shared_run()->finished(policy_));
}

}  // namespace
}  // namespace forager::storage
