import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `sigscope check` SIGKILLed at random moments while its service (TERM-ignoring, starting double-forked
    /// `setsid` daemons 50 times a second) runs: the cleanup guardian must leave nothing behind. Before it, two runs
    /// left 119 and 236 processes.
    @Suite struct CheckSigkill {
        /// Every process whose environment carries `marker` (sigscope, its guardian and the whole service tree
        /// inherit it from the test).
        static func marked(_ marker: String) -> [Int32] {
            let needle = Array("SIGSCOPE_RELIABILITY_MARKER=\(marker)".utf8)
            let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
            return pids.filter { pid in
                guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
                return data.split(separator: 0).contains { $0.elementsEqual(needle) }
            }
        }

        /// Reaps the zombies re-parented to this test process (it is a child subreaper once a check ran in it).
        static func reapAdopted() {
            let tree = ServiceTree()
            for pid in tree.childPids(of: getpid()) {
                var status: Int32 = 0
                if tree.read(pid, withCommand: false)?.isZombie == true { waitpid(pid, &status, WNOHANG) }
            }
        }

        @Test func sigkilledCheckLeavesNoProcess() throws {
            let runs = Int(ProcessInfo.processInfo.environment["SIGSCOPE_SIGKILL_RUNS"] ?? "") ?? 100
            let service = Fixtures.script("check/forking-setsid.sh")
            var random = SplitMix64(state: 15)
            var left: [Int] = []
            var treeSizes: [Int] = []
            for run in 0..<runs {
                let marker = "\(getpid())-\(run)-\(UUID().uuidString.prefix(8))"
                var options = SpawnedProcess.Options()
                options.stdin = open("/dev/null", O_RDONLY | O_CLOEXEC)
                let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
                options.stdout = devNull
                options.stderr = devNull
                var environment = ProcessInfo.processInfo.environment
                environment["SIGSCOPE_RELIABILITY_MARKER"] = marker
                options.environment = environment.map { "\($0.key)=\($0.value)" }
                let check = try SpawnedProcess.launch(
                    [TestPaths.sigscope, "check", "--ready", "delay:50ms", "--grace", "300ms", "--", service],
                    options: options)
                close(options.stdin!)
                close(devNull)
                // One run in four dies during sigscope's start-up; the others once the service runs, anywhere from
                // readiness through the signal, the grace period and cleanup.
                if run % 4 == 0 {
                    Clocks.sleep(for: .milliseconds(Int(random.next() % 300)))
                } else {
                    waitUntil(timeout: .seconds(10)) { Self.marked(marker).count >= 3 }
                    Clocks.sleep(for: .milliseconds(Int(random.next() % 500)))
                }
                treeSizes.append(Self.marked(marker).count)
                kill(check.pid, SIGKILL)
                _ = check.wait()
                waitUntil(timeout: .seconds(5)) {
                    Self.reapAdopted()
                    return Self.marked(marker).isEmpty
                }
                let remaining = Self.marked(marker)
                left.append(remaining.count)
                for pid in remaining { kill(pid, SIGKILL) }  // never leave them to the next test
                Self.reapAdopted()
            }
            let total = left.reduce(0, +)
            print("check SIGKILLed \(runs) times: \(total) processes left; marked processes at the kill: "
                  + "median \(treeSizes.sorted()[treeSizes.count / 2]), max \(treeSizes.max() ?? 0)")
            #expect(total == 0, "processes left per run: \(left)")
            // The kills must have hit running services, not only sigscope's start-up.
            #expect(treeSizes.filter { $0 > 3 }.count >= runs / 2, "\(treeSizes)")
        }

        @Test func guardianRemovesItsCgroupAfterANormalCheck() throws {
            let result = try ShutdownCheck(configuration: {
                var config = ShutdownCheck.Configuration(target: .command([Fixtures.script("check/forking-setsid.sh")]))
                config.readiness = [.delay(.milliseconds(100))]
                config.grace = .milliseconds(200)
                return config
            }()).run()
            #expect(result.observation.orphans.count > 0)
            let mount = try #require(CleanupGuardian.cgroup2Mount())
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: mount))?
                .filter { $0.hasPrefix("sigscope-\(getpid())-") } ?? []
            #expect(leftovers.isEmpty, "\(leftovers)")
            #expect(ServiceTree().childPids(of: getpid()).allSatisfy { ServiceTree().read($0)?.isZombie != true })
        }
    }
}
