// libelf shims for `sigscope lint` and runtime detection.
#ifndef CPROCFS_ELF_H
#define CPROCFS_ELF_H

#ifdef __linux__
#include <stddef.h>

/// An open ELF file: the descriptor and libelf's handle over its mmap'ed image.
/// Why C: libelf's API is pointer-heavy (Elf *, Elf_Scn *, Elf_Data *, GElf_* unions) and its handles must
/// not outlive the descriptor; one opaque struct keeps that pairing out of Swift.
typedef struct cprocfs_elf cprocfs_elf;

/// The ELF header fields sigscope reports.
struct cprocfs_elf_header {
    /// ELFCLASS32 (1) or ELFCLASS64 (2).
    int elf_class;
    /// ELFDATA2LSB (1) or ELFDATA2MSB (2).
    int data;
    /// ET_EXEC, ET_DYN, ...
    int type;
    /// EM_X86_64, EM_AARCH64, ...
    int machine;
    /// Number of section headers (extended numbering resolved).
    size_t section_count;
};

/// One section header and its name from the section-name string table.
struct cprocfs_elf_section {
    /// Points into the mmap'ed image; valid until cprocfs_elf_close. NULL when the name is unreadable.
    const char *name;
    unsigned int type;
    unsigned int link;
    unsigned long long flags;
    /// sh_addr: where the section sits in memory when loaded (0 for sections that are not loaded).
    unsigned long long address;
    unsigned long long offset;
    unsigned long long size;
    unsigned long long entsize;
};

/// Opens `path` with elf_begin(ELF_C_READ_MMAP): nothing is read until a section is asked for, which keeps
/// lint fast on binaries of hundreds of megabytes. Returns NULL with *errno_out (open/fstat failure) or
/// *elf_error_out (libelf's error number, for cprocfs_elf_errmsg) set; the other is 0.
cprocfs_elf *cprocfs_elf_open(const char *path, int *errno_out, int *elf_error_out);

/// Ends libelf's handle and closes the descriptor.
void cprocfs_elf_close(cprocfs_elf *elf);

/// Why C: elf_errmsg returns libelf's static text for an error number.
const char *cprocfs_elf_errmsg(int error);

/// Why C: libelf keeps its last error per thread behind elf_errno, which the umbrella header does not expose.
int cprocfs_elf_last_error(void);

/// 1 when the file is an ELF object (elf_kind == ELF_K_ELF), else 0.
int cprocfs_elf_is_elf(cprocfs_elf *elf);

/// Fills the header; returns 0, or -1 when libelf cannot read it (truncated or corrupt file).
int cprocfs_elf_header(cprocfs_elf *elf, struct cprocfs_elf_header *out);

/// Fills section `index`; returns 0, or -1 when that header is unreadable.
int cprocfs_elf_section(cprocfs_elf *elf, size_t index, struct cprocfs_elf_section *out);

/// The raw bytes of section `index` (elf_rawdata: no byte-order conversion, no copy with mmap), or NULL for
/// SHT_NOBITS, an empty section or one that runs past the end of the file.
const void *cprocfs_elf_section_bytes(cprocfs_elf *elf, size_t index, size_t *size_out);

/// The number of symbols in symbol-table section `index` (.symtab or .dynsym), 0 if unreadable.
size_t cprocfs_elf_symbol_count(cprocfs_elf *elf, size_t index);

/// The name of symbol `symbol` of symbol-table section `index`, NULL if unreadable. *defined_out is 1 when the
/// symbol is defined in this file (st_shndx != SHN_UNDEF), 0 for an import.
/// Why C: gelf_getsym fills a class-independent GElf_Sym from 32- or 64-bit tables.
const char *cprocfs_elf_symbol_name(cprocfs_elf *elf, size_t index, size_t symbol, int *defined_out);

/// One symbol of a symbol table, for naming the function that holds an address.
struct cprocfs_elf_symbol {
    /// Points into the image's string table; NULL for a nameless symbol.
    const char *name;
    /// st_value (a virtual address in executables and shared objects) and st_size.
    unsigned long long value;
    unsigned long long size;
    /// STT_FUNC (2), STT_OBJECT (1), ...
    int type;
    /// 1 when defined in this file (st_shndx != SHN_UNDEF).
    int defined;
};

/// Fills symbol `symbol` of symbol-table section `index`; returns 0, or -1 if unreadable.
/// Why C: gelf_getsym and GELF_ST_TYPE (a macro) over 32- or 64-bit tables.
int cprocfs_elf_symbol_info(cprocfs_elf *elf, size_t index, size_t symbol, struct cprocfs_elf_symbol *out);

/// The number of entries in the .dynamic section `index`, 0 if unreadable.
size_t cprocfs_elf_dynamic_count(cprocfs_elf *elf, size_t index);

/// The string value of DT_NEEDED entry `entry` of the .dynamic section `index` (a shared library name), or
/// NULL when that entry is another tag.
const char *cprocfs_elf_needed(cprocfs_elf *elf, size_t index, size_t entry);

/// 1 when `needle` occurs in `haystack`. Why C: memmem is a GNU extension that Glibc's Swift module does not
/// export; glibc's two-way search scans a 30 MB string table in milliseconds.
int cprocfs_memmem_found(const void *haystack, size_t haystack_size, const void *needle, size_t needle_size);
#endif

#endif
