import Testing

@testable import SigTrace

@Suite struct SignalModelTests {
    @Test func namesFollowKillMinusL() throws {
        #expect(Signal.term.name == "SIGTERM")
        #expect(Signal(rawValue: 34)!.name == "SIGRTMIN")
        #expect(Signal(rawValue: 35)!.name == "SIGRTMIN+1")
        #expect(Signal(rawValue: 49)!.name == "SIGRTMIN+15")
        #expect(Signal(rawValue: 50)!.name == "SIGRTMAX-14")
        #expect(Signal(rawValue: 63)!.name == "SIGRTMAX-1")
        #expect(Signal(rawValue: 64)!.name == "SIGRTMAX")
        #expect(Signal(rawValue: 29)!.name == "SIGIO")
        #expect(Signal(rawValue: 0) == nil)
        #expect(Signal(rawValue: 65) == nil)
    }

    @Test func glibcInternalSignalsHaveNamesNotNumbers() {
        for number: Int32 in [32, 33] {
            let signal = Signal(rawValue: number)!
            #expect(signal.isGlibcInternal)
            #expect(!signal.name.contains(String(number)))
            #expect(signal.meaning.contains("glibc-internal"))
        }
    }

    @Test func everyNameParsesBackToItsNumber() throws {
        for signal in Signal.all {
            #expect(try Signal(parsing: signal.name) == signal)
            #expect(try Signal(parsing: signal.shortName.lowercased()) == signal)
            #expect(try Signal(parsing: String(signal.rawValue)) == signal)
        }
    }

    @Test func parsesWhatUsersType() throws {
        #expect(try Signal(parsing: "TERM") == .term)
        #expect(try Signal(parsing: "SIGTERM") == .term)
        #expect(try Signal(parsing: "term") == .term)
        #expect(try Signal(parsing: " 15 ") == .term)
        #expect(try Signal(parsing: "RTMIN+3").rawValue == 37)
        #expect(try Signal(parsing: "sigrtmax-2").rawValue == 62)
        #expect(try Signal(parsing: "IOT") == .abrt)
        #expect(try Signal(parsing: "CLD") == .chld)
        #expect(try Signal.parseList("TERM,INT,RTMIN") == [.term, .int, Signal(rawValue: 34)!])
    }

    @Test(arguments: ["", "TERMX", "0", "65", "-1", "RTMIN+31", "RTMAX-31", "RTMIN+", "SIG"])
    func rejectsBadSignals(text: String) {
        #expect(throws: SigscopeError.self) { try Signal(parsing: text) }
    }

    @Test func defaultActionsMatchSignal7() {
        #expect(Signal.term.defaultAction == .terminate)
        #expect(Signal.quit.defaultAction == .core)
        #expect(Signal.segv.defaultAction == .core)
        #expect(Signal.chld.defaultAction == .ignore)
        #expect(Signal.winch.defaultAction == .ignore)
        #expect(Signal.cont.defaultAction == .continue)
        #expect(Signal.tstp.defaultAction == .stop)
        #expect(Signal(rawValue: 40)!.defaultAction == .terminate)
    }

    @Test func signalSetsReadAndWriteProcMasks() throws {
        let set = try #require(SignalSet(hex: "0000000000004002"))
        #expect(set.signals == [.int, .term])
        #expect(set.hex == "0000000000004002")
        // Everything but KILL, STOP and glibc's 32 and 33, as a blocking Redis thread shows.
        #expect(SignalSet(hex: "fffffffe7ffbfeff")!.count == 60)
        #expect(SignalSet(hex: "xyz") == nil)
        #expect(SignalSet(hex: "") == nil)
        #expect(SignalSet(hex: "10000000000000000") == nil)
        #expect(SignalSet.catchable.contains(.term))
        #expect(!SignalSet.catchable.contains(.kill))
        #expect(SignalSet([.term, .int]).description == "SIGINT,SIGTERM")
    }

    @Test func durationsParseOneWay() throws {
        #expect(try DurationParser.parse("30s") == .seconds(30))
        #expect(try DurationParser.parse("500ms") == .milliseconds(500))
        #expect(try DurationParser.parse("2m") == .seconds(120))
        #expect(try DurationParser.parse("1.5") == .milliseconds(1500))
        #expect(try DurationParser.parse("45") == .seconds(45))
        for bad in ["", "abc", "-1s", "5x", "1e3", "s", "inf"] {
            #expect(throws: SigscopeError.self) { try DurationParser.parse(bad) }
        }
    }

    @Test func durationsReadGoAndKubernetesCompounds() throws {
        #expect(try DurationParser.parse("1m30s") == .seconds(90))
        #expect(try DurationParser.parse("1h2m") == .seconds(3720))
        #expect(try DurationParser.parse("2h45m30.5s") == .milliseconds(9_930_500))
        #expect(try DurationParser.parse("1s500ms") == .milliseconds(1500))
        #expect(try DurationParser.parse("5m0s") == .seconds(300))  // Go's time.Duration.String()
        for bad in ["1m30", "m30s", "1m-30s", "1m 30s", "1x30s", "30s5"] {
            #expect(throws: SigscopeError.self, "\(bad)") { try DurationParser.parse(bad) }
        }
        for text in ["30s", "500ms", "1m30s", "2h", "1h0m5s", "1.5s", "250us", "0s"] {
            let duration = try DurationParser.parse(text)
            #expect(try DurationParser.parse(DurationParser.text(duration)) == duration, "\(text)")
        }
        #expect(DurationParser.text(.seconds(3605)) == "1h5s")
        #expect(DurationParser.text(.milliseconds(1500)) == "1.5s")
    }

    @Test func jsonEscapesAndKeepsKeyOrder() {
        let value = JSONValue.object([("b", .string("a\"b\n\u{1}")), ("a", .array([.int(1), .null, .bool(true)]))])
        #expect(value.rendered() == #"{"b":"a\"b\n\u0001","a":[1,null,true]}"#)
    }
}
