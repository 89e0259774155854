#include "elf_symbols.hpp"

#include <cstring>
#include <elf.h>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

namespace pcs {
namespace {

// Bounds-checked view of the file's bytes.
struct Bytes {
  const std::string& data;
  bool has(uint64_t offset, uint64_t size) const { return offset <= data.size() && size <= data.size() - offset; }
  template <typename T>
  bool read(uint64_t offset, T& out) const {
    if (!has(offset, sizeof(T))) return false;
    std::memcpy(&out, data.data() + offset, sizeof(T));
    return true;
  }
};

template <typename Ehdr, typename Shdr, typename Sym>
ExportedSymbols read_dynsym(const Bytes& bytes, unsigned char (*bind_of)(unsigned char),
                            unsigned char (*type_of)(unsigned char)) {
  ExportedSymbols out;
  Ehdr eh;
  if (!bytes.read(0, eh)) return {{}, "truncated ELF header"};
  if (eh.e_shentsize != sizeof(Shdr)) return {{}, "unexpected section header size"};
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    Shdr sh;
    if (!bytes.read(eh.e_shoff + uint64_t{i} * sizeof(Shdr), sh)) return {{}, "truncated section headers"};
    if (sh.sh_type != SHT_DYNSYM) continue;
    Shdr strtab;
    if (sh.sh_link >= eh.e_shnum || !bytes.read(eh.e_shoff + uint64_t{sh.sh_link} * sizeof(Shdr), strtab) ||
        !bytes.has(strtab.sh_offset, strtab.sh_size))
      return {{}, "the dynamic symbol table's string table is missing"};
    if (sh.sh_entsize != sizeof(Sym) || !bytes.has(sh.sh_offset, sh.sh_size))
      return {{}, "truncated dynamic symbol table"};
    for (uint64_t off = sh.sh_offset; off + sizeof(Sym) <= sh.sh_offset + sh.sh_size; off += sizeof(Sym)) {
      Sym s;
      bytes.read(off, s);
      const unsigned char bind = bind_of(s.st_info), type = type_of(s.st_info);
      const bool visible =
          ELF64_ST_VISIBILITY(s.st_other) == STV_DEFAULT || ELF64_ST_VISIBILITY(s.st_other) == STV_PROTECTED;
      if (s.st_shndx == SHN_UNDEF || (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE) || !visible ||
          type == STT_SECTION || type == STT_FILE)
        continue;
      if (s.st_shndx == SHN_ABS && s.st_value == 0) continue;  // a version node's name, not code or data
      if (s.st_name >= strtab.sh_size) return {{}, "a symbol name lies outside its string table"};
      const char* name = bytes.data.data() + strtab.sh_offset + s.st_name;
      out.names.emplace_back(name, strnlen(name, strtab.sh_size - s.st_name));
    }
    return out;
  }
  return out;  // no .dynsym: exports nothing
}

unsigned char bind32(unsigned char info) { return ELF32_ST_BIND(info); }
unsigned char type32(unsigned char info) { return ELF32_ST_TYPE(info); }
unsigned char bind64(unsigned char info) { return ELF64_ST_BIND(info); }
unsigned char type64(unsigned char info) { return ELF64_ST_TYPE(info); }

}  // namespace

ExportedSymbols exported_symbols(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {{}, fmt::format("cannot open {}", file.string())};
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const Bytes bytes{data};
  if (data.size() < EI_NIDENT || std::memcmp(data.data(), ELFMAG, SELFMAG) != 0)
    return {{}, fmt::format("{} is not an ELF file", file.string())};
  const int native_order = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;
  if (data[EI_DATA] != native_order) return {{}, fmt::format("{} is for another byte order", file.string())};
  if (data[EI_CLASS] == ELFCLASS64) return read_dynsym<Elf64_Ehdr, Elf64_Shdr, Elf64_Sym>(bytes, bind64, type64);
  if (data[EI_CLASS] == ELFCLASS32) return read_dynsym<Elf32_Ehdr, Elf32_Shdr, Elf32_Sym>(bytes, bind32, type32);
  return {{}, fmt::format("{} has an unknown ELF class", file.string())};
}

}  // namespace pcs
