/// What the final image of a Dockerfile inherits from outside the file: its official base image (with the tag,
/// whose age decides the STOPSIGNAL), that image's ENTRYPOINT and CMD, and which shell `/bin/sh` is, or what
/// `SHELL` says instead.
struct DockerfileImage: Sendable {
    /// The external base of the final stage, as written in FROM (`node:20-alpine`).
    let base: String
    /// The official image the base is, and its tag.
    let official: (image: OfficialImage, tag: String?)?
    /// The shell `/bin/sh -c` means in this image; nil when unknown.
    let shell: ImageShell?
    /// The shell shell-form CMD/ENTRYPOINT runs (`SHELL` when set, else `/bin/sh`); nil when unknown.
    let shellFormShell: ImageShell?
    /// How the shell was decided, for messages: `SHELL ["/bin/bash", "-c"]`, `Alpine`.
    let shellReason: String?

    /// A built image (`lint --image`): no official base to consult, and the shell its own files hold.
    init(shell: ImageShell?, reason: String) {
        base = ""
        official = nil
        self.shell = shell
        shellFormShell = shell
        shellReason = reason
    }

    init(base: String, instructions: [Dockerfile.Instruction]) {
        self.base = base
        let official = base.contains("$") ? nil : ProgramKnowledge.officialImage(base)
        self.official = official
        let (shell, reason) = Self.shell(of: base)
        self.shell = shell
        var formShell = shell
        var formReason = reason
        if let instruction = instructions.last(where: { $0.keyword == "SHELL" }),
           let words = instruction.execForm.arguments, let first = words.first {
            let name = LintShellCommand.shellName(first)
            formShell = name.flatMap { LintShellCommand.resolve($0, imageShell: shell) }
            formReason = name == "sh" ? reason : "SHELL \(instruction.arguments)"
        }
        self.shellFormShell = formShell
        self.shellReason = formReason
    }

    /// The program the official base image runs when the file keeps its CMD (`nginx` for `FROM nginx:1.27`).
    var officialProgram: ProgramEntry? {
        guard let official else { return nil }
        if let variant = Self.variant(official) { return variant.program }
        return ProgramKnowledge.program(id: official.image.programID)
    }

    /// The official image's ENTRYPOINT and CMD, when the file does not set its own.
    var officialEntrypoint: [String] { official?.image.entrypoint ?? [] }
    var officialCommand: [String] {
        guard let official else { return [] }
        return Self.variant(official)?.cmd ?? official.image.cmd
    }

    /// The STOPSIGNAL the official base image sets for this tag; TERM when it sets none.
    var officialStopSignal: Signal? {
        guard let official else { return nil }
        if let variant = Self.variant(official) { return variant.stopSignal }
        return official.image.stopSignal(forTag: official.tag)
    }

    /// The php image is three images under one name: its `-fpm` tags run php-fpm (STOPSIGNAL SIGQUIT), its
    /// `-apache` tags run Apache httpd (STOPSIGNAL SIGWINCH), the rest run the php CLI with no STOPSIGNAL.
    /// Source: https://github.com/docker-library/php/blob/master/Dockerfile-linux.template
    static func variant(_ official: (image: OfficialImage, tag: String?))
        -> (program: ProgramEntry?, cmd: [String], stopSignal: Signal)? {
        guard official.image.programID == "php-fpm" else { return nil }
        let tag = official.tag ?? ""
        if tag.contains("fpm") { return nil }
        if tag.contains("apache") {
            return (ProgramKnowledge.program(id: "apache-httpd"), ["apache2-foreground"], .winch)
        }
        return (nil, ["php", "-a"], .term)
    }

    /// Official images built on Debian or Ubuntu unless their tag names another distribution.
    /// Source: each image's Dockerfiles under https://github.com/docker-library (and nodejs/docker-node).
    static let debianBasedOfficialImages: Set<String> = [
        "node", "python", "golang", "ruby", "php", "rust", "perl", "redis", "postgres", "nginx", "httpd", "haproxy",
        "memcached", "openjdk", "buildpack-deps", "wordpress", "ghost", "nextcloud", "drupal", "eclipse-temurin",
        "tomcat", "mongo", "mariadb", "rabbitmq", "cassandra", "elixir", "erlang", "gradle", "maven", "debian",
        "ubuntu",
    ]

    /// Which shell `/bin/sh` is in an image, from the knowledge base's base image families, then from what the
    /// tag says (`-alpine`, `-bookworm`, `-jammy`, `ubi9`), then from official images that are Debian-based.
    static func shell(of reference: String) -> (ImageShell?, String?) {
        guard !reference.isEmpty, !reference.contains("$") else { return (nil, nil) }
        if reference.lowercased() == "scratch" { return (ImageShell.none, "scratch") }
        let (repository, tag) = ProgramKnowledge.splitImageReference(reference)
        if let family = ProgramKnowledge.baseImage(reference) { return (family.shell.value, repository) }
        let words = ((tag ?? "") + "-" + repository).lowercased()
        if words.contains("alpine") { return (.busyboxAsh, "Alpine") }
        for hint in ["distroless", "chainguard"] where words.contains(hint) { return (ImageShell.none, hint) }
        for hint in ["ubi", "oraclelinux", "oracle", "fedora", "centos", "amazonlinux", "rocky", "alma"]
            where words.contains(hint) { return (.bash, hint) }
        for hint in ["bookworm", "bullseye", "buster", "stretch", "jessie", "wheezy", "trixie", "slim", "focal", "jammy",
                     "noble", "bionic", "xenial", "trusty", "debian", "ubuntu"] where words.contains(hint) {
            return (.dash, hint)
        }
        let name = repository.split(separator: "/").last.map(String.init) ?? repository
        if !repository.contains("/") || repository.hasPrefix("library/"), debianBasedOfficialImages.contains(name) {
            return (.dash, "\(name) (Debian-based)")
        }
        return (nil, nil)
    }
}
