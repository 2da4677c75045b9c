import ArgumentParser

extension Sigscope {
    /// The subcommands, in the order `--help` lists them.
    static var commandList: [any ParsableCommand.Type] {
        [Inspect.self, Check.self, Lint.self, Watch.self, Why.self, Rules.self]
    }
}
