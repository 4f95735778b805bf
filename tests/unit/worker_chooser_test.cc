// WorkerChooser on fake worker loads: host affinity for hosts fetched one at
// a time, spreading for a host fetched in parallel, saturation, isolation and
// dead workers.
#include "crawler/worker_chooser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace forager {
namespace {

using Loads = std::vector<WorkerChooser::Load>;

Loads idle_workers(size_t n) { return Loads(n, WorkerChooser::Load{true, 0}); }

// Sends a fetch of `host` to the chosen worker and counts it in `loads`.
size_t send(WorkerChooser& chooser, Loads& loads, const std::string& host, bool isolated = false) {
  auto worker = chooser.choose(loads, host, isolated);
  EXPECT_TRUE(worker.has_value());
  if (!worker) return 0;
  chooser.started(host, *worker);
  ++loads[*worker].in_flight;
  return *worker;
}

void answer(WorkerChooser& chooser, Loads& loads, const std::string& host, size_t worker) {
  chooser.finished(host, worker);
  --loads[worker].in_flight;
}

TEST(WorkerChooser, AHostFetchedOneAtATimeStaysOnItsWorker) {
  WorkerChooser chooser(8);
  Loads loads = idle_workers(2);
  const size_t first = send(chooser, loads, "a.test");
  answer(chooser, loads, "a.test", first);
  for (int i = 0; i < 10; ++i) {
    const size_t worker = send(chooser, loads, "a.test");
    EXPECT_EQ(worker, first);
    answer(chooser, loads, "a.test", worker);
  }
}

TEST(WorkerChooser, ManyHostsAreSpreadAndEachKeepsItsWorker) {
  WorkerChooser chooser(8);
  Loads loads = idle_workers(2);
  std::vector<std::string> hosts;
  for (int i = 0; i < 6; ++i) hosts.push_back("h" + std::to_string(i) + ".test");
  std::vector<size_t> owner;
  for (const auto& host : hosts) owner.push_back(send(chooser, loads, host));  // all in flight at once
  EXPECT_EQ(loads[0].in_flight, 3);
  EXPECT_EQ(loads[1].in_flight, 3);
  for (int round = 0; round < 5; ++round) {
    for (size_t i = 0; i < hosts.size(); ++i) answer(chooser, loads, hosts[i], owner[i]);
    for (size_t i = 0; i < hosts.size(); ++i) EXPECT_EQ(send(chooser, loads, hosts[i]), owner[i]) << hosts[i];
  }
}

TEST(WorkerChooser, AHostFetchedInParallelIsSpreadOverWorkers) {
  // One host at --per-host 2: the second fetch needs a connection of its own
  // anyway, so it goes to the other worker and both parse.
  WorkerChooser chooser(8);
  Loads loads = idle_workers(2);
  const size_t a = send(chooser, loads, "one.test");
  const size_t b = send(chooser, loads, "one.test");
  EXPECT_NE(a, b);
  // Then each finished fetch's worker takes the next one: its connection is idle.
  for (int i = 0; i < 6; ++i) {
    const size_t done = i % 2 == 0 ? a : b;
    answer(chooser, loads, "one.test", done);
    EXPECT_EQ(send(chooser, loads, "one.test"), done);
  }
}

TEST(WorkerChooser, ASaturatedHolderIsWaitedForUnlessAnotherWorkerIsIdle) {
  WorkerChooser chooser(4);
  Loads loads = idle_workers(2);
  const size_t holder = send(chooser, loads, "a.test");
  answer(chooser, loads, "a.test", holder);
  const size_t other = 1 - holder;
  loads[holder].in_flight = 4;  // other hosts' fetches fill it
  loads[other].in_flight = 0;   // idle: a new connection there beats waiting
  EXPECT_EQ(chooser.choose(loads, "a.test", false), other);
  loads[other].in_flight = 1;   // busy too: wait for the holder's slot
  EXPECT_FALSE(chooser.choose(loads, "a.test", false).has_value());
  EXPECT_EQ(chooser.choose(loads, "new.test", false), other);  // a new host does not wait
  loads[holder].in_flight = 3;
  EXPECT_EQ(chooser.choose(loads, "a.test", false), holder);
}

TEST(WorkerChooser, AnUnusableHolderIsSkipped) {
  WorkerChooser chooser(8);
  Loads loads = idle_workers(2);
  const size_t holder = send(chooser, loads, "a.test");
  answer(chooser, loads, "a.test", holder);
  loads[holder].usable = false;  // draining, or not ready
  EXPECT_EQ(chooser.choose(loads, "a.test", false), 1 - holder);
}

TEST(WorkerChooser, NewHostsGoToTheLeastBusyWithRoundRobinTies) {
  WorkerChooser chooser(8);
  Loads loads = idle_workers(3);
  loads[0].in_flight = 2;
  EXPECT_NE(chooser.choose(loads, "new.test", false), 0u);
  loads[0].in_flight = 0;
  // Equal loads: successive picks rotate over every worker.
  std::vector<int> picked(3, 0);
  for (int i = 0; i < 3; ++i) {
    auto worker = chooser.choose(loads, "", false);
    ASSERT_TRUE(worker.has_value());
    chooser.started("", *worker);
    chooser.finished("", *worker);
    ++picked[*worker];
  }
  EXPECT_EQ(picked, std::vector<int>({1, 1, 1}));
}

TEST(WorkerChooser, IsolatedFetchesGoOnlyToIdleWorkers) {
  WorkerChooser chooser(8);
  Loads loads = idle_workers(2);
  const size_t holder = send(chooser, loads, "a.test");
  answer(chooser, loads, "a.test", holder);
  loads[holder].in_flight = 1;
  EXPECT_EQ(chooser.choose(loads, "a.test", true), 1 - holder);
  loads[1 - holder].in_flight = 1;
  EXPECT_FALSE(chooser.choose(loads, "a.test", true).has_value());
}

TEST(WorkerChooser, ADeadWorkerLosesItsHosts) {
  WorkerChooser chooser(8);
  Loads loads = idle_workers(2);
  const size_t holder = send(chooser, loads, "a.test");
  chooser.forget_worker(holder);
  loads[holder].in_flight = 0;
  EXPECT_EQ(chooser.remembered_hosts(), 0u);
  loads[1 - holder].in_flight = 1;  // busier than the respawned slot
  EXPECT_EQ(chooser.choose(loads, "a.test", false), holder);
}

TEST(WorkerChooser, IdleHostsAreForgottenPastTheBound) {
  WorkerChooser chooser(8);
  Loads loads = idle_workers(1);
  chooser.started("busy.test", 0);
  for (size_t i = 0; i + 1 < WorkerChooser::kMaxRememberedHosts; ++i) {
    const std::string host = "h" + std::to_string(i);
    chooser.started(host, 0);
    chooser.finished(host, 0);
  }
  EXPECT_EQ(chooser.remembered_hosts(), WorkerChooser::kMaxRememberedHosts);
  chooser.started("one-more.test", 0);
  EXPECT_EQ(chooser.remembered_hosts(), 2u);  // busy.test and one-more.test
}

}  // namespace
}  // namespace forager
