import CProcfs

#if canImport(Glibc)
import Glibc
#endif

/// A function's name and extent in an ELF image, for naming the code at an address (a signal handler).
public struct ELFFunction: Sendable, Hashable {
    /// st_value: the function's virtual address in the image (relative to the load base for shared objects and
    /// position-independent executables).
    public var address: UInt64
    /// st_size, 0 when the symbol does not say.
    public var size: UInt64
    public var name: String
}

extension ELFImage {
    /// The defined functions of `.symtab`, or of `.dynsym` for a stripped image, sorted by address.
    public func functions() -> [ELFFunction] {
        let table = section(named: ".symtab") ?? section(named: ".dynsym")
        guard let table else { return [] }
        var functions: [ELFFunction] = []
        var symbol = cprocfs_elf_symbol()
        for index in 0..<cprocfs_elf_symbol_count(handle, table.index) {
            guard cprocfs_elf_symbol_info(handle, table.index, index, &symbol) == 0, symbol.defined != 0,
                  symbol.type == 2 /* STT_FUNC */, symbol.value != 0, let name = symbol.name else { continue }
            functions.append(ELFFunction(address: symbol.value, size: symbol.size, name: String(cString: name)))
        }
        functions.sort { $0.address < $1.address }
        return functions
    }

    /// `name` or `name+0x12` for the function holding `address` (an address in the image's own numbering), nil
    /// when none does.
    public static func name(of address: UInt64, in functions: [ELFFunction]) -> String? {
        var low = 0
        var high = functions.count
        while low < high {
            let middle = (low + high) / 2
            if functions[middle].address <= address { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        let function = functions[low - 1]
        let offset = address - function.address
        if function.size > 0 && offset >= function.size { return nil }
        return offset == 0 ? function.name : function.name + "+0x" + String(offset, radix: 16)
    }
}

extension ELFImage {
    /// The defined data object (STT_OBJECT) called `name` in `.symtab`: Go's `runtime.sig`. Nil for a stripped
    /// image or when no such object exists. Names are compared in C, so a large table costs no Swift strings.
    public func object(named name: String) -> ELFFunction? {
        guard let table = section(named: ".symtab") else { return nil }
        var symbol = cprocfs_elf_symbol()
        return name.withCString { wanted -> ELFFunction? in
            for index in 0..<cprocfs_elf_symbol_count(handle, table.index) {
                guard cprocfs_elf_symbol_info(handle, table.index, index, &symbol) == 0, symbol.defined != 0,
                      symbol.type == 1 /* STT_OBJECT */, let found = symbol.name, strcmp(found, wanted) == 0
                else { continue }
                return ELFFunction(address: symbol.value, size: symbol.size, name: name)
            }
            return nil
        }
    }
}
