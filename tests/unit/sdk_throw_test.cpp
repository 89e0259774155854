// The SDK's shims (job.hpp) turn whatever a job throws, from each entry point,
// into a status and a message: nothing crosses the C ABI.
#include <catch2/catch.hpp>

#include <pcswitcher/testkit.hpp>

#include "../plugins/sdk_throwing_job.hpp"

using pcs::testkit::FakeHost;

namespace {

const pcs_plugin* table() { return pcs::plugin_table<mb::SdkThrowingJob>(); }

struct Where {
  explicit Where(std::string w) { mb::throw_where() = std::move(w); }
  ~Where() { mb::throw_where().clear(); }
};

std::string config(const std::string& where) { return R"({"throw_in":")" + where + R"("})"; }

}  // namespace

TEST_CASE("SDK: a throw from validate_config is a config error with its message") {
  const auto errors = pcs::testkit::validate_config(table(), config("validate_config"));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "mb_sdk_throws threw on purpose in validate_config");
}

TEST_CASE("SDK: a throw from the job's constructor fails create with its message") {
  const Where where("create");
  FakeHost host;
  const auto out = pcs::testkit::execute(table(), host);
  CHECK(out.status == PCS_ERR_INVALID_CONFIG);
  CHECK(out.message == "mb_sdk_throws threw on purpose in create");
}

TEST_CASE("SDK: a throw from validate, execute or list_write_paths is PCS_ERR_FAILED with its message") {
  FakeHost host;
  auto out = pcs::testkit::validate(table(), host, config("validate"));
  CHECK(out.status == PCS_ERR_FAILED);
  CHECK(out.message == "mb_sdk_throws threw on purpose in validate");

  out = pcs::testkit::execute(table(), host, config("execute"));
  CHECK(out.status == PCS_ERR_FAILED);
  CHECK(out.message == "mb_sdk_throws threw on purpose in execute");

  void* instance = nullptr;
  REQUIRE(table()->create(host.c_host(), config("list_write_paths").c_str(), &instance) == PCS_OK);
  host.last_error.clear();
  pcs_path_sink paths{sizeof(pcs_path_sink), nullptr, [](void*, pcs_machine, const char*) {}};
  CHECK(table()->list_write_paths(instance, &paths) == PCS_ERR_FAILED);
  CHECK(host.last_error == "mb_sdk_throws threw on purpose in list_write_paths");
  table()->destroy(instance);
}

TEST_CASE("SDK: something not a std::exception from describe_first_sync is PCS_ERR_INTERNAL with a message") {
  FakeHost host;
  void* instance = nullptr;
  REQUIRE(table()->create(host.c_host(), config("describe_first_sync").c_str(), &instance) == PCS_OK);
  host.last_error.clear();
  pcs_validation_sink sink{sizeof(pcs_validation_sink), nullptr, [](void*, pcs_machine, const char*) {}};
  REQUIRE(table()->describe_first_sync != nullptr);
  CHECK(table()->describe_first_sync(instance, &sink) == PCS_ERR_INTERNAL);
  CHECK(host.last_error == "the job threw something that is not a std::exception");
  table()->destroy(instance);
}

TEST_CASE("SDK: a throw from the cancel hook is swallowed; the instance is then destroyed normally") {
  const Where where("cancel");
  FakeHost host;
  void* instance = nullptr;
  REQUIRE(table()->create(host.c_host(), "{}", &instance) == PCS_OK);
  REQUIRE(table()->cancel != nullptr);
  table()->cancel(instance);  // returns: nothing escapes
  CHECK(table()->execute(instance) == PCS_OK);
  table()->destroy(instance);
}
