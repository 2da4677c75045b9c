// libelf shims: see include/cprocfs_elf.h for why each one is C.
#ifdef __linux__
#define _GNU_SOURCE
#include "include/cprocfs_elf.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cprocfs_elf {
    int fd;
    Elf *elf;
    size_t shstrndx;
};

cprocfs_elf *cprocfs_elf_open(const char *path, int *errno_out, int *elf_error_out) {
    *errno_out = 0;
    *elf_error_out = 0;
    if (elf_version(EV_CURRENT) == EV_NONE) {
        *elf_error_out = elf_errno();
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *errno_out = errno;
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        *errno_out = errno;
        close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        *errno_out = EISDIR;
        close(fd);
        return NULL;
    }
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (elf == NULL) {
        *elf_error_out = elf_errno();
        close(fd);
        return NULL;
    }
    cprocfs_elf *handle = calloc(1, sizeof *handle);
    if (handle == NULL) {
        *errno_out = ENOMEM;
        elf_end(elf);
        close(fd);
        return NULL;
    }
    handle->fd = fd;
    handle->elf = elf;
    if (elf_getshdrstrndx(elf, &handle->shstrndx) != 0) handle->shstrndx = 0;
    return handle;
}

void cprocfs_elf_close(cprocfs_elf *elf) {
    if (elf == NULL) return;
    elf_end(elf->elf);
    close(elf->fd);
    free(elf);
}

const char *cprocfs_elf_errmsg(int error) { return elf_errmsg(error); }

int cprocfs_elf_last_error(void) { return elf_errno(); }

int cprocfs_elf_is_elf(cprocfs_elf *elf) { return elf_kind(elf->elf) == ELF_K_ELF; }

int cprocfs_elf_header(cprocfs_elf *elf, struct cprocfs_elf_header *out) {
    GElf_Ehdr header;
    if (gelf_getehdr(elf->elf, &header) == NULL) return -1;
    size_t count = 0;
    if (elf_getshdrnum(elf->elf, &count) != 0) return -1;
    out->elf_class = header.e_ident[EI_CLASS];
    out->data = header.e_ident[EI_DATA];
    out->type = header.e_type;
    out->machine = header.e_machine;
    out->section_count = count;
    return 0;
}

int cprocfs_elf_section(cprocfs_elf *elf, size_t index, struct cprocfs_elf_section *out) {
    Elf_Scn *section = elf_getscn(elf->elf, index);
    GElf_Shdr header;
    if (section == NULL || gelf_getshdr(section, &header) == NULL) return -1;
    out->name = elf->shstrndx != 0 ? elf_strptr(elf->elf, elf->shstrndx, header.sh_name) : NULL;
    out->type = header.sh_type;
    out->link = header.sh_link;
    out->flags = header.sh_flags;
    out->address = header.sh_addr;
    out->offset = header.sh_offset;
    out->size = header.sh_size;
    out->entsize = header.sh_entsize;
    return 0;
}

const void *cprocfs_elf_section_bytes(cprocfs_elf *elf, size_t index, size_t *size_out) {
    *size_out = 0;
    Elf_Scn *section = elf_getscn(elf->elf, index);
    if (section == NULL) return NULL;
    Elf_Data *data = elf_rawdata(section, NULL);
    if (data == NULL || data->d_buf == NULL) return NULL;
    *size_out = data->d_size;
    return data->d_buf;
}

// The translated (byte-order converted) data of a section, as gelf_getsym and gelf_getdyn need.
static Elf_Data *section_data(cprocfs_elf *elf, size_t index, GElf_Shdr *header) {
    Elf_Scn *section = elf_getscn(elf->elf, index);
    if (section == NULL || gelf_getshdr(section, header) == NULL) return NULL;
    return elf_getdata(section, NULL);
}

size_t cprocfs_elf_symbol_count(cprocfs_elf *elf, size_t index) {
    GElf_Shdr header;
    Elf_Data *data = section_data(elf, index, &header);
    if (data == NULL || header.sh_entsize == 0) return 0;
    return data->d_size / header.sh_entsize;
}

const char *cprocfs_elf_symbol_name(cprocfs_elf *elf, size_t index, size_t symbol, int *defined_out) {
    GElf_Shdr header;
    Elf_Data *data = section_data(elf, index, &header);
    GElf_Sym sym;
    if (data == NULL || gelf_getsym(data, (int)symbol, &sym) == NULL) return NULL;
    *defined_out = sym.st_shndx != SHN_UNDEF;
    if (sym.st_name == 0) return NULL;
    return elf_strptr(elf->elf, header.sh_link, sym.st_name);
}

int cprocfs_elf_symbol_info(cprocfs_elf *elf, size_t index, size_t symbol, struct cprocfs_elf_symbol *out) {
    GElf_Shdr header;
    Elf_Data *data = section_data(elf, index, &header);
    GElf_Sym sym;
    if (data == NULL || gelf_getsym(data, (int)symbol, &sym) == NULL) return -1;
    out->name = sym.st_name == 0 ? NULL : elf_strptr(elf->elf, header.sh_link, sym.st_name);
    out->value = sym.st_value;
    out->size = sym.st_size;
    out->type = GELF_ST_TYPE(sym.st_info);
    out->defined = sym.st_shndx != SHN_UNDEF;
    return 0;
}

size_t cprocfs_elf_dynamic_count(cprocfs_elf *elf, size_t index) {
    GElf_Shdr header;
    Elf_Data *data = section_data(elf, index, &header);
    if (data == NULL || header.sh_entsize == 0) return 0;
    return data->d_size / header.sh_entsize;
}

const char *cprocfs_elf_needed(cprocfs_elf *elf, size_t index, size_t entry) {
    GElf_Shdr header;
    Elf_Data *data = section_data(elf, index, &header);
    GElf_Dyn dyn;
    if (data == NULL || gelf_getdyn(data, (int)entry, &dyn) == NULL || dyn.d_tag != DT_NEEDED) return NULL;
    return elf_strptr(elf->elf, header.sh_link, dyn.d_un.d_val);
}
int cprocfs_memmem_found(const void *haystack, size_t haystack_size, const void *needle, size_t needle_size) {
    return memmem(haystack, haystack_size, needle, needle_size) != NULL;
}
#endif
