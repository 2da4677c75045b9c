import Foundation
import Testing

@testable import SigTrace

/// The one catalog every command's findings come from.
@Suite struct RuleCatalog {
    @Test func idsAreUniqueStableSlugsWithTextAndSource() {
        let ids = Rule.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        for rule in Rule.all {
            #expect(rule.id.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(rule.id)")
            #expect(!rule.summary.isEmpty && !rule.help.isEmpty && !rule.source.isEmpty, "\(rule.id)")
            #expect(!rule.commands.isEmpty, "\(rule.id)")
            #expect(Rule.named(rule.id) == rule)
        }
        #expect(Rule.named("no-such-rule") == nil)
    }

    @Test func everyCommandHasItsRulesAndForecastsJoinCheck() {
        for command in Rule.Command.allCases { #expect(!Rule.reported(by: command).isEmpty, "\(command)") }
        for rule in Rule.forecastRules {
            #expect(rule.commands.contains(.inspect) && rule.commands.contains(.check), "\(rule.id)")
        }
        #expect(ShutdownVerdict.forecastSlugs == Set(Rule.forecastRules.map(\.id)))
        #expect(Rule.reported(by: .lint).contains(.noInit) && !Rule.reported(by: .lint).contains(.graceExceeded))
    }

    @Test func aFindingCarriesItsRulesIdAndSeverityUnlessOverridden() {
        let plain = Rule.sigtermIgnored.finding("m", hint: "h")
        #expect(plain.rule == "sigterm-ignored" && plain.severity == .error)
        let lowered = Finding(.pid1ShellWrapper, severity: .warning, message: "m", hint: "h")
        #expect(lowered.rule == "pid1-shell-wrapper" && lowered.severity == .warning)
    }
}

extension ProcessTests {
    /// `sigscope rules` lists the catalog, and every finding a command prints names a rule of it at the catalog's
    /// severity unless the rule says its severity varies.
    @Suite struct RulesCLI {
        @Test func listsEveryRuleInTextAndJSON() throws {
            let text = try sigscope("rules")
            #expect(text.exitCode == 0)
            for rule in Rule.all { #expect(text.stdout.contains(rule.id), "\(rule.id)") }
            let json = try sigscope("rules", "--format", "json")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let rules = try #require(object["rules"] as? [[String: Any]])
            #expect(rules.compactMap { $0["id"] as? String } == Rule.all.map(\.id))
            #expect(rules.allSatisfy { $0["source"] is String && $0["help"] is String && $0["commands"] is [String] })
            let lint = try sigscope("rules", "--command", "lint", "--format", "json")
            let lintObject = try #require(try JSONSerialization.jsonObject(with: Data(lint.stdout.utf8)) as? [String: Any])
            #expect((lintObject["rules"] as? [[String: Any]])?.count == Rule.reported(by: .lint).count)
        }

        @Test func oneRuleInFullAndAnUnknownOneIsBadInput() throws {
            let one = try sigscope("rules", "pid1-shell-wrapper")
            #expect(one.exitCode == 0)
            #expect(one.stdout.contains(Rule.pid1ShellWrapper.source))
            #expect(one.stdout.contains("severity: "))
            let unknown = try sigscope("rules", "no-such-rule")
            #expect(unknown.exitCode == 2)
            #expect(unknown.stderr.contains("unknown rule 'no-such-rule'"))
        }

        @Test func lintFindingsOnEveryFixtureFollowTheCatalog() throws {
            let real = try sigscope("lint", "--format", "json", "\(TestPaths.packageRoot)/fixtures/lint")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(real.stdout.utf8)) as? [String: Any])
            let findings = try #require(object["findings"] as? [[String: Any]])
            #expect(findings.count > 10)
            for finding in findings {
                let id = try #require(finding["rule"] as? String)
                let rule = try #require(Rule.named(id), "\(id) is not in the catalog")
                #expect(rule.commands.contains(.lint), "\(id)")
                if rule.severityVaries == nil {
                    #expect(finding["severity"] as? String == rule.severity.rawValue, "\(id)")
                }
            }
        }
    }
}
