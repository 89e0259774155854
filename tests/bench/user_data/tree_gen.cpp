// tree_gen: a deterministic test tree for the user_data benchmark.
//
//   tree_gen DIR [--files N] [--bytes TOTAL] [--seed S]
//
// N files (default 100,000) in nested directories (about 25 per directory,
// up to 4 levels), heavy-tailed sizes (Pareto, alpha 1.2) scaled to about
// TOTAL bytes (default 2 GB), 1 in 200 a hard link to an earlier file and
// 1 in 400 a sparse file (a hole with a little data at the end). The same
// seed gives the same tree, byte for byte.
#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: tree_gen DIR [--files N] [--bytes TOTAL] [--seed S]\n");
    return 2;
  }
  const fs::path root = argv[1];
  long files = 100000;
  double total = 2e9;
  unsigned long seed = 42;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--files") == 0) files = std::atol(argv[i + 1]);
    if (std::strcmp(argv[i], "--bytes") == 0) total = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--seed") == 0) seed = std::strtoul(argv[i + 1], nullptr, 10);
  }
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  // Pareto sizes, then scaled so that they add up to about `total`.
  std::vector<double> sizes(files);
  double sum = 0;
  for (auto& s : sizes) {
    s = std::min(1.0 / std::pow(1.0 - unit(rng), 1.0 / 1.2), 1e5);
    sum += s;
  }
  const double scale = total / sum;
  std::vector<char> block(1 << 20);
  std::vector<fs::path> made;
  made.reserve(files);
  long dir_index = 0;
  fs::path dir;
  for (long i = 0; i < files; ++i) {
    if (i % 25 == 0) {
      const long d = dir_index++;
      dir = root / ("d" + std::to_string(d % 7)) / ("e" + std::to_string((d / 7) % 11)) /
            ("f" + std::to_string((d / 77) % 13)) / ("g" + std::to_string(d));
      fs::create_directories(dir);
    }
    const fs::path file = dir / ("file-" + std::to_string(i) + ".dat");
    if (i % 200 == 199 && !made.empty()) {
      fs::create_hard_link(made[static_cast<std::size_t>(unit(rng) * static_cast<double>(made.size()))], file);
      continue;
    }
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
      std::perror(file.c_str());
      return 1;
    }
    if (i % 400 == 397) {  // sparse: a 16 MiB hole, then 4 KiB of data
      ::lseek(fd, 16 << 20, SEEK_SET);
      for (auto& c : block) c = static_cast<char>(rng());
      [[maybe_unused]] auto w = ::write(fd, block.data(), 4096);
    } else {
      auto left = static_cast<std::uint64_t>(sizes[i] * scale);
      while (left > 0) {
        const std::size_t n = std::min<std::uint64_t>(left, block.size());
        for (std::size_t k = 0; k < n; k += 8) {
          const std::uint64_t r = rng();
          std::memcpy(block.data() + k, &r, std::min<std::size_t>(8, n - k));
        }
        if (::write(fd, block.data(), n) != static_cast<ssize_t>(n)) {
          std::perror(file.c_str());
          return 1;
        }
        left -= n;
      }
    }
    ::close(fd);
    made.push_back(file);
  }
  std::printf("%ld files in %ld directories under %s\n", files, dir_index, root.c_str());
  return 0;
}
