// The sync-direction check (rules in sync_direction.hpp) and its flags.
// alpha is this source, beta the target, gamma a third machine.
#include <catch2/catch.hpp>
#include <initializer_list>

#include "sync_direction.hpp"

using namespace pcs;

namespace {

struct E {
  const char* id;
  SyncRole role;
  const char* peer;
  SessionOutcome status = SessionOutcome::Completed;
  bool dry_run = false;
};

SyncHistory hist(std::initializer_list<E> entries) {
  SyncHistory h;
  for (const auto& e : entries) {
    SyncHistoryEntry x;
    x.session_id = e.id;
    x.time = std::string("2025-02-01T10:00:00Z-") + e.id;
    x.role = e.role;
    x.peer = e.peer;
    x.status = e.status;
    x.dry_run = e.dry_run;
    h.append(std::move(x));
  }
  return h;
}

constexpr auto Src = SyncRole::Source;
constexpr auto Tgt = SyncRole::Target;

DirectionCheck check(const SyncHistory& source, const SyncHistory& target) {
  return check_sync_direction("alpha", "beta", source, target);
}

}  // namespace

TEST_CASE("direction: no history anywhere is a first sync") {
  auto r = check({}, {});
  CHECK(r.verdict == DirectionVerdict::FirstSync);
  CHECK_THAT(r.message, Catch::Contains("First sync to beta"));
  CHECK_THAT(r.message, Catch::Contains("overwritten with alpha's state"));
  CHECK_THAT(r.message, Catch::Contains("--allow-first-sync"));
  CHECK_THAT(r.message, !Catch::Contains("removed or reset"));
}

TEST_CASE("direction: a target with only failed or dry-run sessions is a first sync") {
  auto target = hist({{"s1", Tgt, "alpha", SessionOutcome::Failed},
                      {"s2", Tgt, "gamma", SessionOutcome::Completed, true},
                      {"s3", Src, "gamma", SessionOutcome::Interrupted},
                      {"s4", Tgt, "alpha", SessionOutcome::Aborted}});
  CHECK(check({}, target).verdict == DirectionVerdict::FirstSync);
}

TEST_CASE("direction: a first sync notes when the source remembers the target") {
  auto r = check(hist({{"s1", Src, "beta"}}), {});
  CHECK(r.verdict == DirectionVerdict::FirstSync);
  CHECK_THAT(r.message, Catch::Contains("removed or reset"));
  CHECK_THAT(r.message, Catch::Contains("2025-02-01T10:00:00Z-s1"));
}

TEST_CASE("direction: clean alternation passes") {
  auto source = hist({{"s1", Src, "beta"}, {"s2", Tgt, "beta"}});
  auto target = hist({{"s1", Tgt, "alpha"}, {"s2", Src, "alpha"}});
  auto r = check(source, target);
  CHECK(r.verdict == DirectionVerdict::Ok);
  CHECK(r.message.empty());
  SECTION("even when the source has no history (it was reset)") {
    CHECK(check({}, target).verdict == DirectionVerdict::Ok);
  }
  SECTION("hostnames compare case-insensitively") {
    CHECK(check_sync_direction("Alpha", "BETA", source, hist({{"s2", Src, "ALPHA"}})).verdict == DirectionVerdict::Ok);
  }
}

TEST_CASE("direction: target last received from a third machine") {
  auto r = check(hist({{"s1", Tgt, "beta"}}), hist({{"s1", Src, "alpha"}, {"s2", Tgt, "gamma"}}));
  CHECK(r.verdict == DirectionVerdict::TargetSyncedWithThirdMachine);
  CHECK_THAT(r.message, Catch::Contains("beta last received a sync from gamma (2025-02-01T10:00:00Z-s2)"));
  CHECK_THAT(r.message, Catch::Contains("sync gamma -> alpha first"));
  CHECK_THAT(r.message, Catch::Contains("--allow-out-of-order"));
}

TEST_CASE("direction: target last pushed to a third machine") {
  auto r = check(hist({{"s1", Src, "beta"}}), hist({{"s1", Tgt, "alpha"}, {"s2", Src, "gamma"}}));
  CHECK(r.verdict == DirectionVerdict::TargetSyncedWithThirdMachine);
  CHECK_THAT(r.message, Catch::Contains("beta last synced to gamma"));
  CHECK_THAT(r.message, Catch::Contains("--allow-out-of-order"));
}

TEST_CASE("direction: a target that synced with others but never with this source is not a first sync") {
  auto r = check({}, hist({{"s1", Tgt, "gamma"}}));
  CHECK(r.verdict == DirectionVerdict::TargetSyncedWithThirdMachine);
}

TEST_CASE("direction: the rotation beta->gamma, gamma->alpha, alpha->beta is still reported (no clock comparison)") {
  auto r = check(hist({{"s2", Tgt, "gamma"}}), hist({{"s1", Src, "gamma"}}));
  CHECK(r.verdict == DirectionVerdict::TargetSyncedWithThirdMachine);
}

TEST_CASE("direction: pushing twice without syncing back") {
  auto r = check(hist({{"s1", Src, "beta"}}), hist({{"s1", Tgt, "alpha"}}));
  CHECK(r.verdict == DirectionVerdict::PushingTwice);
  CHECK_THAT(r.message, Catch::Contains("alpha already pushed to beta (2025-02-01T10:00:00Z-s1)"));
  CHECK_THAT(r.message, Catch::Contains("sync beta -> alpha first"));
  CHECK_THAT(r.message, Catch::Contains("--allow-out-of-order"));
}

TEST_CASE("direction: pushing twice even when the source received from elsewhere in between") {
  // alpha->beta, gamma->alpha, alpha->beta: the reference's W3 only looks at
  // alpha's last entry (received from gamma) and lets this pass.
  auto source = hist({{"s1", Src, "beta"}, {"s2", Tgt, "gamma"}});
  auto target = hist({{"s1", Tgt, "alpha"}});
  CHECK(check(source, target).verdict == DirectionVerdict::PushingTwice);
}

TEST_CASE("direction: sessions that did not complete, or were dry runs, are no evidence") {
  auto source = hist({{"s1", Src, "beta"}, {"s2", Tgt, "beta"}});
  SECTION("a later failed session with a third machine is ignored") {
    auto target = hist({{"s1", Tgt, "alpha"}, {"s2", Src, "alpha"}, {"s3", Tgt, "gamma", SessionOutcome::Failed}});
    CHECK(check(source, target).verdict == DirectionVerdict::Ok);
  }
  SECTION("a dry-run sync back does not count as syncing back") {
    auto target = hist({{"s1", Tgt, "alpha"}, {"s2", Src, "alpha", SessionOutcome::Completed, true}});
    CHECK(check(hist({{"s1", Src, "beta"}}), target).verdict == DirectionVerdict::PushingTwice);
  }
  SECTION("an interrupted or aborted sync back does not count either") {
    auto target = hist({{"s1", Tgt, "alpha"},
                        {"s2", Src, "alpha", SessionOutcome::Interrupted},
                        {"s3", Src, "alpha", SessionOutcome::Aborted}});
    CHECK(check(hist({{"s1", Src, "beta"}}), target).verdict == DirectionVerdict::PushingTwice);
  }
}

TEST_CASE("direction: the source's last push is missing from the target's history") {
  // beta->alpha (s1), alpha->beta (s2) recorded on alpha only: beta lost it
  // (rolled back, or its history write failed).
  auto source = hist({{"s1", Tgt, "beta"}, {"s2", Src, "beta"}});
  auto target = hist({{"s1", Src, "alpha"}});
  auto r = check(source, target);
  CHECK(r.verdict == DirectionVerdict::PushingTwice);
  CHECK_THAT(r.message, Catch::Contains("no record of that session"));
  CHECK_THAT(r.message, Catch::Contains("session s2"));
  CHECK_THAT(r.message, Catch::Contains("--allow-out-of-order"));
}

TEST_CASE("direction: the target synced back but the source lost that record") {
  // alpha->beta (s2), beta->alpha (s3) recorded on beta only.
  auto source = hist({{"s2", Src, "beta"}});
  auto target = hist({{"s2", Tgt, "alpha"}, {"s3", Src, "alpha"}});
  CHECK(check(source, target).verdict == DirectionVerdict::Ok);
}

TEST_CASE("direction: needs_confirmation and the answering flags") {
  DirectionCheck ok{DirectionVerdict::Ok, ""};
  DirectionCheck first{DirectionVerdict::FirstSync, "m"};
  DirectionCheck third{DirectionVerdict::TargetSyncedWithThirdMachine, "m"};
  DirectionCheck twice{DirectionVerdict::PushingTwice, "m"};
  for (bool a : {false, true}) {
    for (bool b : {false, true}) {
      CHECK_FALSE(needs_confirmation(ok, a, b));
      CHECK(needs_confirmation(first, a, b) == !a);
      CHECK(needs_confirmation(third, a, b) == !b);
      CHECK(needs_confirmation(twice, a, b) == !b);
    }
  }
  CHECK(answering_flag(DirectionVerdict::Ok).empty());
  CHECK(answering_flag(DirectionVerdict::FirstSync) == "--allow-first-sync");
  CHECK(answering_flag(DirectionVerdict::TargetSyncedWithThirdMachine) == "--allow-out-of-order");
  CHECK(answering_flag(DirectionVerdict::PushingTwice) == "--allow-out-of-order");
}
