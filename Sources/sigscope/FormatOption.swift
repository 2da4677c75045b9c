import ArgumentParser
import SigTrace

/// The formats one command writes; `text` is every command's default.
protocol OutputFormat: RawRepresentable<String>, ExpressibleByArgument, CaseIterable, Sendable {
    static var text: Self { get }
}

/// `--format` and `--color`, shared by every command through `@OptionGroup`: the same help and the same refusal of
/// a format the command does not write, listing the ones it does.
struct FormatOption<Format: OutputFormat>: ParsableArguments {
    @Option(help: ArgumentHelp("Output format.", valueName: "format"))
    var format: Format = .text

    @Option(help: ArgumentHelp("Colour text: auto (on a terminal; FORCE_COLOR forces, NO_COLOR stops it), always "
                               + "or never.", valueName: "when"))
    var color: TextStyle.ColorChoice = .auto

    /// Records the colour choice for every renderer of this run; the parser calls it once, before `run`.
    mutating func validate() throws {
        TextStyle.choice = color
    }
}

extension TextStyle.ColorChoice: ExpressibleByArgument {}

/// text or json: inspect, watch and the rule listings.
enum ReportFormat: String, OutputFormat {
    case text, json
}

/// check's formats.
enum CheckReportFormat: String, OutputFormat {
    case text, json, junit, github
}

/// lint's formats.
enum LintFormat: String, OutputFormat {
    case text, json, sarif, junit, github
}
