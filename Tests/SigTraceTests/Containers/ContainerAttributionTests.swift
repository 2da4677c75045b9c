import Foundation
import Testing

@testable import SigTrace

/// Container attribution from /proc/PID/cgroup text as each engine writes it, and the Prometheus exposition.
@Suite struct ContainerAttributionTests {
    static let id = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899"

    @Test(arguments: [
        // docker, systemd cgroup driver, cgroup v2
        ("0::/system.slice/docker-\(id).scope\n", ContainerAttribution.Runtime.docker, nil as String?),
        // docker, cgroupfs driver, cgroup v1
        ("12:pids:/docker/\(id)\n11:memory:/docker/\(id)\n", .docker, nil),
        // podman, cgroupfs (as on this machine)
        ("9:name=systemd:/libpod_parent/libpod-\(id)\n0::/libpod_parent/libpod-\(id)\n", .podman, nil),
        // podman, systemd
        ("0::/machine.slice/libpod-\(id).scope/container\n", .podman, nil),
        // containerd's CRI, systemd driver: the pod UID with underscores
        ("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f3a1b2c_4d5e_6f70_8192_a3b4c5d6e7f8"
            + ".slice/cri-containerd-\(id).scope\n", .containerd, "0f3a1b2c-4d5e-6f70-8192-a3b4c5d6e7f8"),
        // containerd, cgroupfs driver
        ("4:memory:/kubepods/besteffort/pod0f3a1b2c-4d5e-6f70-8192-a3b4c5d6e7f8/\(id)\n", .containerd,
         "0f3a1b2c-4d5e-6f70-8192-a3b4c5d6e7f8"),
        // CRI-O
        ("0::/kubepods.slice/kubepods-pod0f3a1b2c_4d5e_6f70_8192_a3b4c5d6e7f8.slice/crio-\(id).scope\n", .crio,
         "0f3a1b2c-4d5e-6f70-8192-a3b4c5d6e7f8"),
    ])
    func cgroupPathsNameTheRuntimeTheContainerAndThePod(text: String, runtime: ContainerAttribution.Runtime,
                                                        pod: String?) throws {
        let attribution = try #require(ContainerAttribution(cgroupText: text))
        #expect(attribution.runtime == runtime)
        #expect(attribution.id == Self.id)
        #expect(attribution.podUID == pod)
        #expect(attribution.label == "\(runtime.rawValue):3f4e5d6c7b8a")
    }

    @Test(arguments: [
        "0::/user.slice/user-0.slice/session-1.scope\n",
        "0::/\n",
        "0::/machine.slice/libpod-conmon-\(id).scope\n",
        "0::/kubepods.slice/kubepods-besteffort.slice\n",
        "0::/system.slice/docker-notanid.scope\n",
    ])
    func processesOutsideContainersHaveNone(text: String) {
        #expect(ContainerAttribution(cgroupText: text) == nil)
    }

    @Test func exposition() {
        let container = ContainerAttribution(runtime: .podman, id: Self.id, podUID: nil, name: "web \"1\"")
        let metrics = FleetMetrics(processes: [
            .init(pid: 10, comm: "sh", runtime: "shell", sigtermOutcome: "dropped",
                  findings: [Rule.pid1SigtermDropped.finding("m", hint: "h")], container: container),
            .init(pid: 11, comm: "nginx", runtime: "native", sigtermOutcome: "handled", findings: [], container: nil),
        ]).exposition()
        #expect(metrics.contains("sigscope_processes 2\n"))
        #expect(metrics.contains("sigscope_process_sigterm_outcome{pid=\"10\",comm=\"sh\",runtime=\"shell\","
            + "container=\"web \\\"1\\\"\",container_id=\"3f4e5d6c7b8a\",container_runtime=\"podman\",pod_uid=\"\","
            + "outcome=\"dropped\"} 1\n"))
        #expect(metrics.contains("sigscope_findings{rule=\"pid1-sigterm-dropped\",severity=\"error\"} 1\n"))
        #expect(metrics.contains("container=\"\",container_id=\"\""))
    }
}

extension ProcessTests {
    /// inspect on real podman containers: attribution, names, `--container`, and the Prometheus textfile read by
    /// a real node_exporter and checked by promtool.
    @Suite(.enabled(if: ContainerLab.available, "podman with runc is needed (see the printed skip reason)"))
    struct ContainerInspectTests {
        init() throws { try ContainerLab.buildImages() }

        @Test func inspectAttributesAndNamesContainersAndNodeExporterServesTheMetrics() throws {
            let name = "sigscope-test-inspect-\(getpid())"
            defer { _ = try? ContainerLab.podman("rm", "-f", "-t", "0", "--ignore", name) }
            let started = try ContainerLab.podman("run", "-d", "--name", name, ContainerLab.Image.shell.reference)
            try #require(started.exitCode == 0, "\(started.stderr)")
            let id = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            let one = try ContainerLab.sigscope(["inspect", "--container", name, "--format", "json"])
            #expect(one.exitCode == 0, "\(one.stderr)")
            let document = try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any]
            let process = try #require((document?["processes"] as? [[String: Any]])?.first)
            let container = try #require(process["container"] as? [String: Any])
            #expect(container["id"] as? String == id && container["name"] as? String == name)
            #expect(container["runtime"] as? String == "podman")

            let table = try ContainerLab.sigscope(["inspect", "--all"])
            #expect(table.stdout.contains("CONTAINER"))
            #expect(table.stdout.split(separator: "\n").contains { $0.contains(name) && $0.contains("dropped") })

            let unknown = try ContainerLab.sigscope(["inspect", "--container", "sigscope-test-nobody"])
            #expect(unknown.exitCode == 2 && unknown.stderr.split(separator: "\n").count == 1)

            // The textfile, as the DaemonSet writes it, checked by promtool and served by node_exporter.
            let metrics = try ContainerLab.sigscope(["inspect", "--all", "--format", "prometheus"])
            #expect(metrics.exitCode == 0)
            #expect(metrics.stdout.contains("container=\"\(name)\""))
            guard let promtool = SpawnedProcess.resolve("promtool"),
                  let exporter = SpawnedProcess.resolve("prometheus-node-exporter") else {
                print("promtool / prometheus-node-exporter not installed: the textfile checks are skipped")
                return
            }
            let directory = "\(ContainerLab.directory)/textfile-\(getpid())"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let file = "\(directory)/sigscope.prom"
            try metrics.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            let lint = try run(["/bin/sh", "-c", "\(promtool) check metrics < \(file)"])
            #expect(lint.exitCode == 0, "promtool: \(lint.stdout) \(lint.stderr)")

            let port = freePort()
            let node = try Running([exporter, "--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults",
                                    "--collector.textfile", "--collector.textfile.directory=\(directory)"])
            defer { withExtendedLifetime(node) {} }
            #expect(waitUntil(timeout: .seconds(10)) { tcpAccepts(port: port) })
            let fetched = try run(["python3", "-c", "import urllib.request,sys; "
                + "sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:\(port)/metrics').read().decode())"])
            #expect(fetched.stdout.contains("sigscope_process_sigterm_outcome{"), "\(fetched.stderr)")
            #expect(fetched.stdout.contains("container=\"\(name)\""))
            #expect(fetched.stdout.contains("node_textfile_scrape_error 0"))
        }
    }
}
