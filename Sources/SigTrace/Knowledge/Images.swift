// Base images (which shell `sh` is) and the ENTRYPOINT and STOPSIGNAL that official images set, with when the
// stop signal changed: a tag built before the change still stops with TERM.

/// Which shell `/bin/sh` is in an image family.
public enum ImageShell: String, Sendable, Hashable {
    /// BusyBox ash (Alpine, busybox): execs the last command of `sh -c`.
    case busyboxAsh = "busybox-ash"
    /// dash (Debian, Ubuntu): never execs, stays PID 1 and forwards nothing.
    case dash
    /// bash (Fedora, RHEL, UBI, Amazon Linux, CentOS).
    case bash
    /// No shell at all (distroless, scratch): shell-form CMD and `sh -c` cannot run.
    case none

    /// The knowledge entry of the shell, when there is one.
    public var program: ProgramEntry? {
        switch self {
        case .busyboxAsh: ProgramKnowledge.program(id: "busybox-ash")
        case .dash: ProgramKnowledge.program(id: "dash")
        case .bash: ProgramKnowledge.program(id: "bash")
        case .none: nil
        }
    }
}

/// A family of base images and its `/bin/sh`.
public struct BaseImage: Sendable, Hashable {
    /// Repository names as written in FROM, without registry or tag: `alpine`, `gcr.io/distroless/static`.
    public var repositories: [String]
    public var shell: Sourced<ImageShell>
}

/// A change of an official image's STOPSIGNAL.
public struct StopSignalChange: Sendable, Hashable {
    /// The day the change was merged, `YYYY-MM-DD`: tags built before it stop with the previous signal.
    public var since: String
    /// The first version of each release line built with it, where known (`1.18.0` and `1.19.5` for nginx: the
    /// stable and mainline lines rebuilt that day). A tag of one of these lines below its first version, or of an
    /// older line, keeps the previous signal; a newer line has it.
    public var firstVersions: [String]
    public var signal: Signal
    public var source: FactSource
}

/// What an official image runs and how it is stopped.
public struct OfficialImage: Sendable, Hashable {
    /// Repository names: `nginx`, `library/nginx`, `nginxinc/nginx-unprivileged`.
    public var repositories: [String]
    /// The knowledge entry of the program it runs.
    public var programID: String
    public var entrypoint: [String]
    public var cmd: [String]
    /// True when the ENTRYPOINT script ends with `exec "$@"`, so the CMD program becomes PID 1.
    public var entrypointExecs: Bool
    public var definition: FactSource
    /// STOPSIGNAL changes, oldest first; empty when the image never set one (TERM).
    public var stopSignalHistory: [StopSignalChange]

    /// The stop signal of the image as built today.
    public var stopSignal: Signal { stopSignalHistory.last?.signal ?? .term }

    /// The stop signal of a tag: `nginx:1.17` predates `STOPSIGNAL SIGQUIT`, so it stops with TERM. Tags without a
    /// comparable version (`latest`, `alpine`, `stable`) get today's signal.
    public func stopSignal(forTag tag: String?) -> Signal {
        guard let tag, let version = ImageVersion(tag: tag) else { return stopSignal }
        var signal = Signal.term
        for change in stopSignalHistory {
            let lines = change.firstVersions.compactMap(ImageVersion.init(tag:))
            if lines.isEmpty || version.isAtOrAfter(lines) { signal = change.signal }
        }
        return signal
    }
}

/// The numeric prefix of an image tag: `1.19.5-alpine` -> [1, 19, 5]. A shorter tag is a floating tag that follows
/// the newest release of its line (`1.19` is at least `1.19.5`).
struct ImageVersion: Sendable, Hashable {
    var parts: [Int]

    init?(tag: String) {
        let numeric = tag.prefix { $0.isNumber || $0 == "." }
        let parts = numeric.split(separator: ".").compactMap { Int($0) }
        guard !parts.isEmpty, numeric.first?.isNumber == true else { return nil }
        self.parts = parts
    }

    /// True when this version (or the newest release of this floating line) is at least `other`.
    func isAtLeast(_ other: ImageVersion) -> Bool {
        for (index, part) in parts.enumerated() {
            let theirs = index < other.parts.count ? other.parts[index] : 0
            if part != theirs { return part > theirs }
        }
        return true
    }

    /// True when this version was built after a change whose first version in each rebuilt line is `lines`: at or
    /// above the first version of its own line (same major.minor), or in a line newer than all of them.
    func isAtOrAfter(_ lines: [ImageVersion]) -> Bool {
        let line = Array(parts.prefix(2))
        if let same = lines.first(where: { Array($0.parts.prefix(2)) == line }), parts.count >= 2 {
            return isAtLeast(same)
        }
        return lines.allSatisfy { isAtLeast($0) }
    }
}

extension ProgramKnowledge {
    /// Base image families and their shells.
    public static let baseImages: [BaseImage] = [
        BaseImage(repositories: ["alpine", "busybox"],
                  shell: Sourced(.busyboxAsh, doc("https://wiki.alpinelinux.org/wiki/BusyBox"))),
        BaseImage(repositories: ["debian", "ubuntu", "buildpack-deps"],
                  shell: Sourced(.dash, doc("https://wiki.debian.org/Shell"))),
        BaseImage(repositories: ["fedora", "centos", "rockylinux", "almalinux", "amazonlinux",
                                 "redhat/ubi8", "redhat/ubi9", "registry.access.redhat.com/ubi8",
                                 "registry.access.redhat.com/ubi9"],
                  shell: Sourced(.bash, doc("https://docs.fedoraproject.org/en-US/packaging-guidelines/"))),
        BaseImage(repositories: ["gcr.io/distroless", "cgr.dev/chainguard/static", "scratch"],
                  shell: Sourced(.none, doc("https://github.com/GoogleContainerTools/distroless#readme"))),
    ]

    /// Official images whose stop behaviour matters, with their ENTRYPOINT, CMD and STOPSIGNAL history.
    public static let officialImages: [OfficialImage] = [
        OfficialImage(
            repositories: ["nginx", "nginxinc/nginx-unprivileged"], programID: "nginx",
            entrypoint: ["/docker-entrypoint.sh"], cmd: ["nginx", "-g", "daemon off;"], entrypointExecs: true,
            definition: doc("https://github.com/nginx/docker-nginx/blob/master/mainline/debian/Dockerfile"),
            stopSignalHistory: [
                StopSignalChange(since: "2020-11-24", firstVersions: ["1.18.0", "1.19.5"], signal: .quit,
                                 source: doc("https://github.com/nginx/docker-nginx/commit/3fb70ddd7094c1fdd50cc83d432643dc10ab6243")),
            ]),
        OfficialImage(
            repositories: ["httpd"], programID: "apache-httpd", entrypoint: [], cmd: ["httpd-foreground"],
            entrypointExecs: true, definition: doc("https://github.com/docker-library/httpd/blob/master/2.4/Dockerfile"),
            stopSignalHistory: [
                StopSignalChange(since: "2019-08-21", firstVersions: ["2.4.41"], signal: .winch,
                                 source: doc("https://github.com/docker-library/official-images/pull/6512")),
            ]),
        OfficialImage(
            repositories: ["haproxy"], programID: "haproxy", entrypoint: ["docker-entrypoint.sh"],
            cmd: ["haproxy", "-f", "/usr/local/etc/haproxy/haproxy.cfg"], entrypointExecs: true,
            definition: doc("https://github.com/docker-library/haproxy/blob/master/Dockerfile.template"),
            stopSignalHistory: [
                StopSignalChange(since: "2018-08-25", firstVersions: [], signal: .usr1,
                                 source: doc("https://github.com/docker-library/haproxy/pull/72")),
            ]),
        OfficialImage(
            repositories: ["postgres"], programID: "postgresql", entrypoint: ["docker-entrypoint.sh"],
            cmd: ["postgres"], entrypointExecs: true,
            definition: doc("https://github.com/docker-library/postgres/blob/master/Dockerfile-debian.template"),
            stopSignalHistory: [
                StopSignalChange(since: "2020-09-24", firstVersions: ["9.5"], signal: .int,
                                 source: doc("https://github.com/docker-library/postgres/pull/763")),
            ]),
        OfficialImage(
            repositories: ["php"], programID: "php-fpm", entrypoint: ["docker-php-entrypoint"], cmd: ["php-fpm"],
            entrypointExecs: true, definition: doc("https://github.com/docker-library/php/blob/master/Dockerfile-linux.template"),
            stopSignalHistory: [
                StopSignalChange(since: "2019-04-24", firstVersions: ["7.1"], signal: .quit,
                                 source: doc("https://github.com/docker-library/php/pull/816")),
            ]),
        OfficialImage(
            repositories: ["redis"], programID: "redis", entrypoint: ["docker-entrypoint.sh"], cmd: ["redis-server"],
            entrypointExecs: true, definition: doc("https://github.com/docker-library/redis/blob/master/Dockerfile.template"),
            stopSignalHistory: []),
        OfficialImage(
            repositories: ["memcached"], programID: "memcached", entrypoint: ["docker-entrypoint.sh"],
            cmd: ["memcached"], entrypointExecs: true,
            definition: doc("https://github.com/docker-library/memcached/blob/master/Dockerfile.template"),
            stopSignalHistory: []),
        OfficialImage(
            repositories: ["mongo"], programID: "mongodb", entrypoint: ["docker-entrypoint.sh"], cmd: ["mongod"],
            entrypointExecs: true, definition: doc("https://github.com/docker-library/mongo/blob/master/Dockerfile-linux.template"),
            stopSignalHistory: []),
        OfficialImage(
            repositories: ["mysql"], programID: "mysql", entrypoint: ["docker-entrypoint.sh"], cmd: ["mysqld"],
            entrypointExecs: true, definition: doc("https://github.com/docker-library/mysql/blob/master/Dockerfile.oracle"),
            stopSignalHistory: []),
        OfficialImage(
            repositories: ["mariadb"], programID: "mysql", entrypoint: ["docker-entrypoint.sh"], cmd: ["mariadbd"],
            entrypointExecs: true, definition: doc("https://github.com/MariaDB/mariadb-docker/blob/master/Dockerfile.template"),
            stopSignalHistory: []),
        OfficialImage(
            repositories: ["node"], programID: "node", entrypoint: ["docker-entrypoint.sh"], cmd: ["node"],
            entrypointExecs: true, definition: doc("https://github.com/nodejs/docker-node/blob/main/Dockerfile-debian.template"),
            stopSignalHistory: []),
        OfficialImage(
            repositories: ["python"], programID: "python", entrypoint: [], cmd: ["python3"], entrypointExecs: true,
            definition: doc("https://github.com/docker-library/python/blob/master/Dockerfile-linux.template"),
            stopSignalHistory: []),
        OfficialImage(
            repositories: ["caddy"], programID: "caddy", entrypoint: [],
            cmd: ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"], entrypointExecs: true,
            definition: doc("https://github.com/caddyserver/caddy-docker/blob/master/Dockerfile.base"),
            stopSignalHistory: []),
        OfficialImage(
            repositories: ["envoyproxy/envoy"], programID: "envoy", entrypoint: ["/docker-entrypoint.sh"],
            cmd: ["envoy", "-c", "/etc/envoy/envoy.yaml"], entrypointExecs: true,
            definition: doc("https://github.com/envoyproxy/envoy/blob/main/ci/Dockerfile-envoy"),
            stopSignalHistory: []),
        OfficialImage(
            repositories: ["eclipse-mosquitto"], programID: "mosquitto", entrypoint: ["/docker-entrypoint.sh"],
            cmd: ["/usr/sbin/mosquitto", "-c", "/mosquitto/config/mosquitto.conf"], entrypointExecs: true,
            definition: doc("https://github.com/eclipse/mosquitto/blob/master/docker/2.0/Dockerfile"),
            stopSignalHistory: []),
    ]
}
