import Foundation
import Testing

@testable import SigTrace

/// conmon's exit record: where its command line says it is (captured text), and on a real container the same
/// exit code, FinishedAt and OOMKilled that `podman inspect` then shows.
@Suite struct ConmonExitFileTests {
    static let id = "f0cfa07e617e8491f4589806e5c33c601665ca94cef105e0a0e32a6b065b6b95"
    static let userdata = "/var/lib/containers/storage/overlay-containers/\(id)/userdata"

    /// podman 4.3.1's conmon command line on this machine, shortened to the options that matter and a few others.
    static let podman4 = [
        "/usr/bin/conmon", "--api-version", "1", "-c", id, "-u", id, "-r", "/usr/bin/runc", "-b", userdata, "-p",
        "/run/containers/storage/overlay-containers/\(id)/userdata/pidfile", "-n", "insp", "--exit-dir",
        "/run/libpod/exits", "--full-attach", "-l", "k8s-file:\(userdata)/ctr.log", "--log-level", "warning",
        "--runtime-arg", "--log-format=json", "--conmon-pidfile", "\(userdata)/conmon.pid", "--exit-command",
        "/usr/bin/podman", "--exit-command-arg", "--root", "--exit-command-arg", "container", "--exit-command-arg",
        "cleanup", "--exit-command-arg", id,
    ]

    @Test func podman4CommandLineNamesTheExitFileAndTheBundlesOOMFile() throws {
        let record = try #require(ConmonExitFile(conmonArguments: Self.podman4, containerID: Self.id, conmonPid: 42))
        #expect(record.exitFile == "/run/libpod/exits/\(Self.id)")
        #expect(record.oomFiles == ["\(Self.userdata)/oom"])
        #expect(record.conmonPid == 42)
    }

    @Test func persistDirectoryAndEqualsFormsAreRead() throws {
        let arguments = ["conmon", "--cid=\(Self.id)", "--exit-dir=/run/user/1000/libpod/tmp/exits",
                         "--persist-dir", "/run/user/1000/libpod/tmp/persist/\(Self.id)", "-b", Self.userdata]
        let record = try #require(ConmonExitFile(conmonArguments: arguments, containerID: Self.id, conmonPid: 7))
        #expect(record.exitFile == "/run/user/1000/libpod/tmp/exits/\(Self.id)")
        #expect(record.oomFiles == ["\(Self.userdata)/oom", "/run/user/1000/libpod/tmp/persist/\(Self.id)/oom"])
    }

    @Test func anotherContainersConmonOrAnotherProgramIsNotUsed() {
        let other = String(repeating: "a", count: 64)
        #expect(ConmonExitFile(conmonArguments: Self.podman4, containerID: other, conmonPid: 42) == nil)
        var sh = Self.podman4
        sh[0] = "/bin/sh"
        #expect(ConmonExitFile(conmonArguments: sh, containerID: Self.id, conmonPid: 42) == nil)
        let noExitDirectory = Self.podman4.filter { $0 != "--exit-dir" && $0 != "/run/libpod/exits" }
        #expect(ConmonExitFile(conmonArguments: noExitDirectory, containerID: Self.id, conmonPid: 42) == nil)
        #expect(ConmonExitFile(conmonArguments: [], containerID: Self.id, conmonPid: 42) == nil)
    }

    @Test(arguments: [
        ("2026-11-29T22:50:01.054880051Z", 1_795_992_601.054880051),
        ("2026-11-29T23:50:01.5+01:00", 1_795_992_601.5),
        ("2026-11-29T21:50:01-01:00", 1_795_992_601.0),
        ("2000-02-29T00:00:00Z", 951_782_400.0),
        ("1970-01-01T00:00:00Z", 0.0),
    ])
    func rfc3339DatesAsTheEnginesWriteThem(text: String, seconds: Double) throws {
        let date = try #require(ContainerJSON.date(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 1e-6, "\(text): \(date.timeIntervalSince1970)")
    }

    @Test(arguments: ["0001-01-01T00:00:00Z", "", "2026-11-29", "2026-13-01T00:00:00Z", "2026-11-29T22:50:01",
                      "2026-11-29T22:50:01Zjunk", "2026-11-29 22:50:01Z"])
    func notADateIsNil(text: String) {
        #expect(ContainerJSON.date(text) == nil)
    }
}

extension ProcessTests {
    /// The record read from conmon's exit file is the one podman shows afterwards.
    @Suite(.enabled(if: ContainerLab.available, "podman with runc is needed (see the printed skip reason)"))
    struct ConmonExitRecordTests {
        init() throws { try ContainerLab.buildImages() }

        @Test func exitFileRecordEqualsPodmansInspectAfterTheExit() throws {
            let name = "sigscope-test-conmon-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            defer { _ = try? ContainerLab.podman("rm", "-f", "-t", "0", "--ignore", name) }
            let started = try ContainerLab.podman("run", "-d", "--name", name,
                                                  ContainerLab.Image.exitCode.reference)
            #expect(started.exitCode == 0, "\(started.stderr)")
            let running = try ContainerState(inspectJSON: ContainerLab.podman("container", "inspect", name).stdout,
                                             engine: .podman)
            #expect(running.running && running.pid > 0)
            let record = try #require(ConmonExitFile.of(initPid: running.pid, containerID: running.id))
            #expect(record.exitFile.hasSuffix("/" + running.id))
            // The fixture exits 3 at once on SIGTERM, once it has set itself up.
            Clocks.sleep(for: .milliseconds(300))
            #expect(kill(running.pid, SIGTERM) == 0)
            let recorded = try #require(record.recorded(running, timeout: .seconds(5)))
            #expect(!recorded.running && recorded.exitCode == 3 && !recorded.oomKilled)
            let after = try ContainerState(inspectJSON: ContainerLab.podman("container", "inspect", name).stdout,
                                           engine: .podman)
            #expect(after.exitCode == recorded.exitCode)
            #expect(after.oomKilled == recorded.oomKilled)
            let finished = try #require(after.finishedAt)
            let fromFile = try #require(recorded.finishedAt)
            #expect(abs(finished.timeIntervalSince(fromFile)) < 1e-6, "inspect \(finished), file \(fromFile)")
        }

        @Test func noConmonParentGivesNoRecord() {
            // This test process's parent is not a conmon.
            #expect(ConmonExitFile.of(initPid: getpid(), containerID: ConmonExitFileTests.id) == nil)
        }
    }
}
