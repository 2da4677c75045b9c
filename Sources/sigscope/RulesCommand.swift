import ArgumentParser
import SigTrace

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every rule a finding of inspect, check or lint can name.",
        usage: "sigscope rules [<options>] [<ids> ...]",
        discussion: """
            Each rule has a stable id (what a finding's `rule` key holds and what `# sigscope ignore=RULE` \
            suppresses), the severity its findings usually carry, the commands that report it, a summary, what \
            to do about it, and where the facts behind it come from. Give rule ids to see those in full.

            EXIT CODES
              0  listed
              2  an unknown rule id or command
            """
    )

    @Argument(help: "Rule ids to show in full (default: list every rule).")
    var ids: [String] = []

    @Option(help: "Only the rules this command reports: inspect, check or lint.")
    var command: Rule.Command?

    @OptionGroup var output: FormatOption<ReportFormat>

    func run() throws {
        var rules = command.map { Rule.reported(by: $0) } ?? Rule.all
        if !ids.isEmpty {
            rules = try ids.map { id in
                guard let rule = Rule.named(id) else {
                    throw SigscopeError(.badInput, "unknown rule '\(id)' (see `sigscope rules`)")
                }
                return rule
            }
        }
        if output.format == .json {
            Output.write(JSONSchema.document([("rules", .array(rules.map(\.json)))]).pretty() + "\n")
        } else if ids.isEmpty {
            var table = TextTable(header: ["RULE", "SEVERITY", "SUMMARY [COMMANDS]"])
            table.lineWidth = 80
            for rule in rules {
                table.append([rule.id, rule.severity.rawValue,
                              rule.summary + " [" + rule.commands.map(\.rawValue).joined(separator: ", ") + "]"])
            }
            Output.write(table.rendered() + "\n")
        } else {
            Output.write(rules.map(Self.describe).joined(separator: "\n"))
        }
    }

    /// One rule in full, as `sigscope rules ID` prints it.
    static func describe(_ rule: Rule) -> String {
        var text = "\(rule.id)  \(rule.severity.rawValue)  (\(rule.commands.map(\.rawValue).joined(separator: ", ")))\n"
        text += "  \(rule.summary)\n  \(rule.help)\n"
        if let varies = rule.severityVaries { text += "  severity: \(varies)\n" }
        text += "  source: \(rule.source)\n"
        return text
    }
}

extension Rule.Command: ExpressibleByArgument {}
