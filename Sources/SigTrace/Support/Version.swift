/// sigscope's version, printed by `--version`.
public let sigscopeVersion = "0.1.0"
