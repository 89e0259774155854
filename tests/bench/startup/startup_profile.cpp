// startup_profile: where the time of `pc-switcher plugins` goes, phase by phase,
// for the plugins in one directory. A diagnostic beside startup_perftest (not a
// test): it calls the same pcs-core functions the host calls, one phase at a time.
//
//   startup_profile PLUGIN_DIR [--repeat N]
//
// Each phase runs in N forked children, so that it runs for the first time in
// its process, as in `pc-switcher plugins` (caches and heap cold); the cheap
// file checks and the JSON parse repeat N times in this process. Medians, in ms,
// summed over all plugins of the directory.
#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "draft07_metaschema.hpp"
#include "file_security.hpp"
#include "json_schema.hpp"
#include "plugin_loader.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
}

// Median of `fn()` over `n` fresh forked children.
double median_in_children(int n, const std::function<double()>& fn) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    int fd[2];
    if (::pipe(fd) != 0) std::exit(1);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fd[0]);
      double v = fn();
      if (::write(fd[1], &v, sizeof v) != sizeof v) ::_exit(1);
      ::_exit(0);
    }
    ::close(fd[1]);
    double v = 0;
    if (::read(fd[0], &v, sizeof v) == sizeof v) out.push_back(v);
    ::close(fd[0]);
    int status;
    ::waitpid(pid, &status, 0);
  }
  return median(out);
}

double median_in_process(int n, const std::function<double()>& fn) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(fn());
  return median(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: startup_profile PLUGIN_DIR [--repeat N]\n");
    return 2;
  }
  const fs::path dir = argv[1];
  const int repeat = (argc >= 4 && std::string(argv[2]) == "--repeat") ? std::max(1, std::atoi(argv[3])) : 20;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".so") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const std::size_t n = files.size();

  // Whole load_plugins() in a fresh process: what `pc-switcher plugins` pays.
  const double whole = median_in_children(repeat, [&] {
    auto t = Clock::now();
    auto set = pcs::load_plugins({dir});
    return set.plugins.size() == n ? ms_since(t) : -1.0;
  });
  // dlopen alone (RTLD_NOW | RTLD_LOCAL, like boost::dll in the loader), fresh process.
  const double dlopen_ms = median_in_children(repeat, [&] {
    auto t = Clock::now();
    for (const auto& f : files)
      if (::dlopen(f.c_str(), RTLD_NOW | RTLD_LOCAL) == nullptr) return -1.0;
    return ms_since(t);
  });

  // The plugin tables and their schemas (loaded once here).
  std::vector<std::string> schema_texts;
  for (const auto& f : files) {
    void* h = ::dlopen(f.c_str(), RTLD_NOW | RTLD_LOCAL);
    auto entry = reinterpret_cast<const pcs_plugin* (*)(uint32_t, uint32_t)>(::dlsym(h, PCS_PLUGIN_ENTRY_SYMBOL));
    schema_texts.emplace_back(entry(PCS_ABI_VERSION_MAJOR, PCS_ABI_VERSION_MINOR)->descriptor->config_schema);
  }
  std::vector<nlohmann::json> schemas;
  for (const auto& s : schema_texts) schemas.push_back(nlohmann::json::parse(s));

  const double security = median_in_process(repeat, [&] {
    auto t = Clock::now();
    for (const auto& f : files) (void)pcs::untrusted_reason(f, ::geteuid());
    return ms_since(t);
  });
  const double parse = median_in_process(repeat, [&] {
    auto t = Clock::now();
    std::size_t members = 0;  // keeps the result used (parse is warn_unused_result)
    for (const auto& s : schema_texts) members += nlohmann::json::parse(s).size();
    return members == 0 ? -1.0 : ms_since(t);
  });
  // First call of schema_problem in a fresh process (parses the meta-schema once).
  const double first_problem = median_in_children(repeat, [&] {
    auto t = Clock::now();
    (void)pcs::schema_problem(schemas.front());
    return ms_since(t);
  });
  const double problem = median_in_children(repeat, [&] {
    auto t = Clock::now();
    for (const auto& s : schemas) (void)pcs::schema_problem(s);
    return ms_since(t);
  });
  const nlohmann::json meta = nlohmann::json::parse(pcs::kDraft07MetaSchema);
  const double against_meta = median_in_children(repeat, [&] {
    auto t = Clock::now();
    for (const auto& s : schemas) (void)pcs::validate_against(meta, s);
    return ms_since(t);
  });
  // Pieces of validate_against(meta, schema): compiling the meta-schema (done on
  // every call today) and validating with it once compiled.
  using valijson::adapters::NlohmannJsonAdapter;
  const double compile_meta = median_in_children(repeat, [&] {
    auto t = Clock::now();
    for (std::size_t i = 0; i < n; ++i) {
      valijson::Schema compiled;
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      NlohmannJsonAdapter adapter(meta);
      parser.populateSchema(adapter, compiled);
    }
    return ms_since(t);
  });
  valijson::Schema meta_compiled;
  {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    NlohmannJsonAdapter adapter(meta);
    parser.populateSchema(adapter, meta_compiled);
  }
  const double validate_compiled = median_in_children(repeat, [&] {
    auto t = Clock::now();
    for (const auto& s : schemas) {
      valijson::Validator validator;
      valijson::ValidationResults results;
      NlohmannJsonAdapter target(s);
      (void)validator.validate(meta_compiled, target, &results);
    }
    return ms_since(t);
  });
  const double compile_own = median_in_children(repeat, [&] {
    auto t = Clock::now();
    for (const auto& s : schemas) {
      valijson::Schema compiled;
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      NlohmannJsonAdapter adapter(s);
      parser.populateSchema(adapter, compiled);
    }
    return ms_since(t);
  });

  std::printf("%zu plugins in %s; medians of %d, ms for all plugins together\n\n", n, dir.c_str(), repeat);
  std::printf("load_plugins(), fresh process (what `pc-switcher plugins` pays)   %8.2f\n", whole);
  std::printf("  dlopen RTLD_NOW|RTLD_LOCAL, fresh process                        %8.2f\n", dlopen_ms);
  std::printf("  untrusted_reason (ownership/permission checks)                   %8.2f\n", security);
  std::printf("  nlohmann::json::parse of the config schemas                      %8.2f\n", parse);
  std::printf("  schema_problem (draft-07 check)                                  %8.2f\n", problem);
  std::printf("    of which validate_against(meta-schema, schema)                 %8.2f\n", against_meta);
  std::printf("      compiling the meta-schema with valijson, %zu times            %8.2f\n", n, compile_meta);
  std::printf("      validating against a meta-schema compiled once               %8.2f\n", validate_compiled);
  std::printf("    compiling each plugin's own schema with valijson               %8.2f\n", compile_own);
  std::printf("  first schema_problem call in a process (parses the meta-schema)  %8.2f\n", first_problem);
  return 0;
}
