import CProcfs

#if canImport(Glibc)
import Glibc
#endif

/// An ELF file opened through libelf with `ELF_C_READ_MMAP`: the header and section table are read at once,
/// section contents only when asked for, so looking at a 200 MB binary touches a few pages.
///
/// Not `Sendable`: libelf handles are not safe to share between threads; open one image per thread.
public final class ELFImage {
    /// One section header.
    public struct Section: Sendable, Hashable {
        /// The section's index in the section table.
        public var index: Int
        /// `.text`, `.dynsym`, `.go.buildinfo`, ...; empty when the name is unreadable.
        public var name: String
        /// `SHT_*`: 2 symtab, 11 dynsym, 6 dynamic, 8 nobits.
        public var type: UInt32
        /// The section this one refers to (a symbol table's string table).
        public var link: UInt32
        /// The size in the file, in bytes.
        public var size: UInt64
        /// Where the section is loaded in memory (sh_addr), 0 for sections that are not loaded.
        public var address: UInt64 = 0
    }

    /// The file's path as given.
    public let path: String
    /// 32 or 64.
    public let bits: Int
    /// The machine as `uname -m` names it (`x86_64`, `aarch64`), or `machine N` for others.
    public let machine: String
    /// `ET_EXEC` or `ET_DYN` (PIE executables and shared libraries are both ET_DYN).
    public let fileType: Int
    /// Every section, in table order.
    public let sections: [Section]

    let handle: OpaquePointer
    private let sectionsByName: [String: Section]

    /// Opens and reads the header and section table; throws a one-line error naming the file when it cannot be
    /// opened or is not a readable ELF file (a truncated or corrupt header, a directory, a text file).
    public init(path: String) throws(SigscopeError) {
        self.path = path
        var openErrno: Int32 = 0
        var elfError: Int32 = 0
        guard let handle = cprocfs_elf_open(path, &openErrno, &elfError) else {
            if openErrno != 0 {
                let why = openErrno == EISDIR ? "is a directory" : SigscopeError.describe(errno: openErrno)
                throw SigscopeError(.unreadableFile, "cannot read \(path): \(why)", errno: openErrno)
            }
            throw SigscopeError(.badInput, "\(path): not a readable ELF file (\(ELFImage.libelfMessage(elfError)))")
        }
        guard cprocfs_elf_is_elf(handle) == 1 else {
            cprocfs_elf_close(handle)
            throw SigscopeError(.badInput, "\(path): not an ELF file")
        }
        var header = cprocfs_elf_header()
        guard cprocfs_elf_header(handle, &header) == 0 else {
            cprocfs_elf_close(handle)
            let why = ELFImage.libelfMessage(cprocfs_elf_last_error())
            throw SigscopeError(.badInput, "\(path): truncated or corrupt ELF header (\(why))")
        }
        var sections: [Section] = []
        sections.reserveCapacity(header.section_count)
        for index in 0..<header.section_count {
            var raw = cprocfs_elf_section()
            // A corrupt header for one section leaves that section out; the rest can still be judged.
            guard cprocfs_elf_section(handle, index, &raw) == 0 else { continue }
            let name = raw.name.map { String(cString: $0) } ?? ""
            sections.append(Section(index: index, name: name, type: raw.type, link: raw.link, size: raw.size,
                                    address: raw.address))
        }
        self.handle = handle
        self.bits = header.elf_class == 1 ? 32 : 64
        self.machine = ELFImage.machineName(header.machine)
        self.fileType = Int(header.type)
        self.sections = sections
        var byName: [String: Section] = [:]
        for section in sections where !section.name.isEmpty && byName[section.name] == nil {
            byName[section.name] = section
        }
        self.sectionsByName = byName
    }

    deinit { cprocfs_elf_close(handle) }

    /// The section names, in table order.
    public var sectionNames: [String] { sections.map(\.name) }

    /// The first section with this name.
    public func section(named name: String) -> Section? { sectionsByName[name] }

    /// True for a Go binary: Go's linker always writes `.go.buildinfo` (Go 1.13+) or `.gopclntab`, or the
    /// `.note.go.buildid` note. Cheap: reads section names only.
    public var isGo: Bool {
        sectionsByName[".go.buildinfo"] != nil || sectionsByName[".gopclntab"] != nil
            || sectionsByName[".note.go.buildid"] != nil
    }

    /// True for a Swift binary: the Swift compiler emits `swift5_protocols`, `swift5_typeref` and friends into
    /// every binary with Swift types, and a dynamically linked one needs libswiftCore.so.
    public var isSwift: Bool {
        if sectionsByName["swift5_protocols"] != nil || sectionsByName["swift5_typeref"] != nil
            || sectionsByName["swift5_reflstr"] != nil {
            return true
        }
        return neededLibraries.contains { $0.hasPrefix("libswiftCore.so") }
    }

    /// The program interpreter from `.interp` (`/lib64/ld-linux-x86-64.so.2`), nil for a static binary.
    public var interpreter: String? {
        guard let section = sectionsByName[".interp"], let bytes = bytes(of: section) else { return nil }
        let text = bytes.prefix { $0 != 0 }
        return String(decoding: text, as: UTF8.self)
    }

    /// True when the binary is linked statically: no program interpreter and no `.dynamic` section.
    public var isStatic: Bool { interpreter == nil && sectionsByName[".dynamic"] == nil }

    /// True when the binary has a full symbol table (`.symtab`); `strip` removes it.
    public var hasSymbolTable: Bool { sectionsByName[".symtab"] != nil }

    /// The shared libraries named by `DT_NEEDED` entries, in order.
    public var neededLibraries: [String] {
        guard let dynamic = sections.first(where: { $0.type == 6 }) else { return [] }
        var names: [String] = []
        for entry in 0..<cprocfs_elf_dynamic_count(handle, dynamic.index) {
            if let name = cprocfs_elf_needed(handle, dynamic.index, entry) { names.append(String(cString: name)) }
        }
        return names
    }

    /// The raw bytes of a section as mapped from the file, valid while this image lives; nil for `.bss`-like
    /// sections, empty ones and ones that run past the end of a truncated file.
    public func bytes(of section: Section) -> UnsafeRawBufferPointer? {
        var size = 0
        guard let start = cprocfs_elf_section_bytes(handle, section.index, &size), size > 0 else { return nil }
        return UnsafeRawBufferPointer(start: start, count: size)
    }

    /// `count` bytes at virtual address `address`, from the loaded section that holds them; nil when no section
    /// with file contents holds them all (Go before 1.18 points at its build information this way).
    public func bytes(atAddress address: UInt64, count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0 else { return nil }
        for section in sections where section.address != 0 && section.type != 8 /* SHT_NOBITS */ {
            guard address >= section.address, address - section.address < section.size,
                  UInt64(count) <= section.size - (address - section.address),
                  let bytes = bytes(of: section) else { continue }
            let start = Int(address - section.address)
            guard start + count <= bytes.count else { return nil }
            return UnsafeRawBufferPointer(rebasing: bytes[start..<start + count])
        }
        return nil
    }

    /// True if the section's bytes contain `needle`; memmem over the mapped bytes, so scanning the 30 MB
    /// string table of a large binary costs milliseconds.
    public func section(_ section: Section, contains needle: String) -> Bool {
        guard let bytes = bytes(of: section), let base = bytes.baseAddress else { return false }
        var needle = needle
        return needle.withUTF8 { utf8 in
            cprocfs_memmem_found(base, bytes.count, utf8.baseAddress, utf8.count) == 1
        }
    }

    /// Calls `body` with each named symbol of a symbol-table section (`.symtab` or `.dynsym`) and whether it is
    /// defined here (false: imported). The name pointer is valid only during the call. Return false to stop.
    public func forEachSymbol(in section: Section, _ body: (UnsafePointer<CChar>, Bool) -> Bool) {
        let count = cprocfs_elf_symbol_count(handle, section.index)
        var defined: Int32 = 0
        for symbol in 0..<count {
            guard let name = cprocfs_elf_symbol_name(handle, section.index, symbol, &defined) else { continue }
            if !body(name, defined != 0) { return }
        }
    }

    static func libelfMessage(_ error: Int32) -> String {
        guard let text = cprocfs_elf_errmsg(error) else { return "libelf error \(error)" }
        return String(cString: text)
    }

    static func machineName(_ machine: Int32) -> String {
        switch machine {
        case 3: "i386"
        case 8: "mips"
        case 20: "ppc"
        case 21: "ppc64"
        case 22: "s390x"
        case 40: "arm"
        case 62: "x86_64"
        case 183: "aarch64"
        case 243: "riscv64"
        case 258: "loongarch64"
        default: "machine \(machine)"
        }
    }
}
